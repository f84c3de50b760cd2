import { ConfigError, loadSettings, parseDuration } from './settings';

const KEY = Buffer.alloc(32, 1).toString('base64');

describe('settings', () => {
  it('parses durations in h, m, s, ms and plain seconds', () => {
    expect(parseDuration('8h')).toBe(8 * 3600_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('8 hours')).toBeUndefined();
  });

  it('starts with no settings at all on the documented defaults', () => {
    const s = loadSettings({});
    expect(s.app.port).toBe(3000);
    expect(s.database.url).toBeUndefined();
    expect(s.database.migrationsRun).toBe(true);
    expect(s.auth.sessionTtlMs).toBe(8 * 3600_000);
    expect(s.auth.bcryptCost).toBe(12);
    expect(s.auth.passwordMinLength).toBe(15);
    expect(s.throttle.ipRateLimit).toBe(30);
    expect(s.throttle.ipRateWindowMs).toBe(5 * 60_000);
    expect(s.audit.retentionMs).toBeUndefined();
    expect(s.auth.sessionIdleTimeoutMs).toBeUndefined();
    expect(s.app.listCountLimit).toBe(10_000);
  });

  it('takes the WebAuthn relying party from PUBLIC_URL unless WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS say', () => {
    expect(loadSettings({}).webauthn).toEqual({
      rpId: 'localhost',
      rpName: 'Email Auth',
      origins: ['http://localhost:3000'],
    });
    expect(
      loadSettings({ PUBLIC_URL: 'https://auth.example.com/base', APP_NAME: 'Acme' }).webauthn,
    ).toEqual({ rpId: 'auth.example.com', rpName: 'Acme', origins: ['https://auth.example.com'] });
    const wide = loadSettings({
      PUBLIC_URL: 'https://auth.example.com',
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_ORIGINS: 'https://auth.example.com, https://app.example.com',
    }).webauthn;
    expect(wide.rpId).toBe('example.com');
    expect(wide.origins).toEqual(['https://auth.example.com', 'https://app.example.com']);
  });

  it('stops the start on a wrong WebAuthn setting, naming it', () => {
    expect(() => loadSettings({ WEBAUTHN_RP_ID: 'https://example.com' })).toThrow(/WEBAUTHN_RP_ID/);
    expect(() => loadSettings({ WEBAUTHN_RP_ID: 'example.com:443' })).toThrow(/WEBAUTHN_RP_ID/);
    expect(() =>
      loadSettings({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.com/' }),
    ).toThrow(/WEBAUTHN_ORIGINS/);
    // An origin the RP ID is not a suffix of: browsers would refuse every ceremony.
    expect(() =>
      loadSettings({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.org' }),
    ).toThrow(/WEBAUTHN_ORIGINS: "https:\/\/example.org" is not on WEBAUTHN_RP_ID/);
    expect(() =>
      loadSettings({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://badexample.com' }),
    ).toThrow(/WEBAUTHN_ORIGINS/);
  });

  it('takes LIST_COUNT_LIMIT as a whole number of at least 1', () => {
    expect(loadSettings({ LIST_COUNT_LIMIT: '5' }).app.listCountLimit).toBe(5);
    expect(() => loadSettings({ LIST_COUNT_LIMIT: '0' })).toThrow(/LIST_COUNT_LIMIT/);
    expect(() => loadSettings({ LIST_COUNT_LIMIT: 'many' })).toThrow(/LIST_COUNT_LIMIT/);
  });

  it('reads TRUST_PROXY=true as one hop, never as trusting every X-Forwarded-For address', () => {
    expect(loadSettings({ TRUST_PROXY: 'true' }).app.trustProxy).toBe(1);
    expect(loadSettings({ TRUST_PROXY: 'false' }).app.trustProxy).toBe(false);
    expect(loadSettings({ TRUST_PROXY: '2' }).app.trustProxy).toBe(2);
    expect(loadSettings({ TRUST_PROXY: '10.0.0.0/8' }).app.trustProxy).toBe('10.0.0.0/8');
  });

  it('points the public URL at PORT unless PUBLIC_URL says otherwise', () => {
    expect(loadSettings({}).app.publicUrl).toBe('http://localhost:3000');
    expect(loadSettings({ PORT: '8080' }).app.publicUrl).toBe('http://localhost:8080');
    expect(
      loadSettings({ PORT: '8080', PUBLIC_URL: 'https://auth.example.com/' }).app.publicUrl,
    ).toBe('https://auth.example.com');
  });

  it('never lets PASSWORD_MAX_LENGTH go under 256', () => {
    expect(() => loadSettings({ PASSWORD_MAX_LENGTH: '100' })).toThrow(/PASSWORD_MAX_LENGTH/);
    expect(loadSettings({ PASSWORD_MAX_LENGTH: '256' }).auth.passwordMaxLength).toBe(256);
  });

  it('names every wrong variable and what it expects', () => {
    let error: unknown;
    try {
      loadSettings({
        PORT: 'eighty',
        SESSION_TTL: '8 hours',
        BCRYPT_COST: '4',
        DATABASE_URL: 'mysql://x',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT="eighty": expected a whole number');
    expect(message).toContain('SESSION_TTL="8 hours": expected a duration');
    expect(message).toContain('BCRYPT_COST="4"');
    expect(message).toContain('DATABASE_URL: expected a URL starting with postgres:');
  });

  it('refuses placeholder secrets in production', () => {
    expect(() => loadSettings({ NODE_ENV: 'production', PASSWORD_PEPPER: 'change-me' })).toThrow(
      /PASSWORD_PEPPER: still the placeholder/,
    );
    expect(() =>
      loadSettings({
        NODE_ENV: 'production',
        PASSWORD_PEPPER: 'a-real-long-pepper',
        ENCRYPTION_KEY: KEY,
      }),
    ).not.toThrow();
  });

  it('refuses to start in production without ENCRYPTION_KEY, naming it and how to make one', () => {
    expect(() => loadSettings({ NODE_ENV: 'production' })).toThrow(
      /ENCRYPTION_KEY: required in production.*randomBytes\(32\)/,
    );
    expect(loadSettings({}).crypto.key).toBeUndefined();
  });

  it('reads ENCRYPTION_KEY and ENCRYPTION_KEY_PREVIOUS as 32 bytes of base64 or hex', () => {
    const other = Buffer.alloc(32, 7);
    const s = loadSettings({
      ENCRYPTION_KEY: KEY,
      ENCRYPTION_KEY_PREVIOUS: `${other.toString('hex')}, ${other.toString('base64')}`,
    });
    expect(s.crypto.key).toEqual(Buffer.from(KEY, 'base64'));
    expect(s.crypto.previousKeys).toEqual([other, other]);
    expect(() => loadSettings({ ENCRYPTION_KEY: 'change-me' })).toThrow(
      /ENCRYPTION_KEY: expected 32 random bytes/,
    );
    expect(() => loadSettings({ ENCRYPTION_KEY_PREVIOUS: 'abcd' })).toThrow(
      /ENCRYPTION_KEY_PREVIOUS: expected 32 random bytes/,
    );
  });

  it('refuses codes that live longer than ten minutes', () => {
    expect(() => loadSettings({ OTP_TTL: '1h' })).toThrow(/OTP_TTL/);
  });

  it('refuses a service key shorter than 32 characters, naming SERVICE_KEYS', () => {
    const long = 'k'.repeat(32);
    expect(loadSettings({ SERVICE_KEYS: `${long}, ${long}x` }).services.keys).toEqual([
      long,
      `${long}x`,
    ]);
    expect(() => loadSettings({ SERVICE_KEYS: `${long},short` })).toThrow(/SERVICE_KEYS/);
  });

  it('logs JSON unless on a terminal outside production, or told LOG_FORMAT', () => {
    const tty = process.stdout.isTTY;
    try {
      process.stdout.isTTY = false;
      expect(loadSettings({}).app.logFormat).toBe('json');
      process.stdout.isTTY = true;
      expect(loadSettings({}).app.logFormat).toBe('pretty');
      expect(loadSettings({ NODE_ENV: 'production', ENCRYPTION_KEY: KEY }).app.logFormat).toBe(
        'json',
      );
      expect(loadSettings({ LOG_FORMAT: 'json' }).app.logFormat).toBe('json');
    } finally {
      process.stdout.isTTY = tty;
    }
    expect(loadSettings({ LOG_FORMAT: 'pretty' }).app.logFormat).toBe('pretty');
    expect(() => loadSettings({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });

  it('refuses a short METRICS_TOKEN and reads SHUTDOWN_DELAY', () => {
    expect(loadSettings({}).ops).toEqual({ metricsToken: undefined, shutdownDelayMs: 0 });
    expect(() => loadSettings({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(loadSettings({ SHUTDOWN_DELAY: '5s' }).ops.shutdownDelayMs).toBe(5000);
    expect(() => loadSettings({ SHUTDOWN_DELAY: 'soon' })).toThrow(/SHUTDOWN_DELAY/);
  });

  it('reads the JWT settings: EdDSA, 5 minutes, PUBLIC_URL as audience, 30 days unless set', () => {
    expect(loadSettings({ PUBLIC_URL: 'https://auth.example.com/' }).jwt).toEqual({
      alg: 'EdDSA',
      ttlMs: 5 * 60_000,
      audience: 'https://auth.example.com',
      keyRotationMs: 30 * 86_400_000,
      forwardAuth: false,
    });
    const set = loadSettings({
      JWT_ALG: 'ES256',
      JWT_TTL: '1h',
      JWT_AUDIENCE: 'api',
      JWT_KEY_ROTATION: '7d',
      FORWARD_AUTH_JWT: 'true',
    }).jwt;
    expect(set).toEqual({
      alg: 'ES256',
      ttlMs: 3_600_000,
      audience: 'api',
      keyRotationMs: 7 * 86_400_000,
      forwardAuth: true,
    });
  });

  it('refuses to start with a JWT that would live over an hour, or an unknown algorithm', () => {
    expect(() => loadSettings({ JWT_TTL: '61m' })).toThrow(
      /JWT_TTL: a JWT may live an hour at most/,
    );
    expect(() => loadSettings({ JWT_ALG: 'HS256' })).toThrow(/JWT_ALG/);
    expect(() => loadSettings({ JWT_ALG: 'none' })).toThrow(/JWT_ALG/);
    expect(() => loadSettings({ JWT_TTL: 'soon' })).toThrow(/JWT_TTL/);
  });
});
