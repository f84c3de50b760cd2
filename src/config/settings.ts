import { resolve } from 'node:path';
import { MAKE_KEY_HINT, parseKey } from './encryption-key';

/**
 * Every setting of the server, parsed and validated in one place. A wrong value is collected with
 * the variable's name and what it expects, and all of them are reported together by ConfigError.
 */
export interface Settings {
  app: {
    nodeEnv: string;
    port: number;
    host: string;
    publicUrl: string;
    appName: string;
    corsOrigins: string[];
    /** Express `trust proxy` value: false, a hop count, or a list of addresses/subnets. */
    trustProxy: boolean | number | string;
    logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    /** `pretty` (pino-pretty) for a person at a terminal; `json` lines for everything else. */
    logFormat: 'json' | 'pretty';
    /** Admin lists count their matches exactly up to this many, and their pages start within them. */
    listCountLimit: number;
    /** How long a list remembers that a filter matches more than `listCountLimit` (0: never). */
    listOverCapMs: number;
  };
  ops: {
    /** Bearer token for GET /metrics; unset: the route answers 404. */
    metricsToken?: string;
    /** How long /health/ready answers 503 before the server stops taking connections. */
    shutdownDelayMs: number;
  };
  database: {
    url?: string;
    dataDir: string;
    migrationsRun: boolean;
    poolSize: number;
  };
  mail: {
    smtpUrl?: string;
    from: string;
    /** Locale of mail to an address whose locale nothing tells (no account, no Accept-Language). */
    defaultLocale: string;
    /** The operator's templates, laid over the shipped ones file by file. */
    templatesDir?: string;
    /** Mail the user about sign-ins from new devices and changes to the account. */
    securityNotices: boolean;
  };
  auth: {
    signupEnabled: boolean;
    loginCodeEnabled: boolean;
    passwordMinLength: number;
    passwordMaxLength: number;
    passwordPepper?: string;
    bcryptCost: number;
    sessionTtlMs: number;
    sessionIdleTimeoutMs?: number;
    sessionPolicy: 'single' | 'multiple';
    cookie: boolean;
    /** MFA_REQUIRED_ROLES: roles whose admin routes need a session that passed a second factor. */
    mfaRequiredRoles: ('root' | 'admin' | 'user')[];
  };
  otp: {
    otpTtlMs: number;
    linkTtlMs: number;
    resendCooldownMs: number;
    /** Key for the HMAC of codes and link tokens; optional, a per-row salt is used as well. */
    secret?: string;
  };
  throttle: {
    ipRateLimit: number;
    ipRateWindowMs: number;
    redisUrl?: string;
  };
  audit: {
    retentionMs?: number;
    /** How often the server checks its newest audit records' chain; undefined: never. */
    chainCheckIntervalMs?: number;
    chainCheckRecords: number;
  };
  admin: {
    email?: string;
    password?: string;
  };
  services: {
    /** Secrets other services present on service routes (GET /events/sessions). */
    keys: string[];
  };
  jwt: {
    /** JWT_ALG: the algorithm of the signing keys the server makes (Ed25519 or P-256). */
    alg: 'EdDSA' | 'ES256';
    /** JWT_TTL: a JWT's lifetime (never past its session's end); at most an hour. */
    ttlMs: number;
    /** JWT_AUDIENCE: the `aud` claim; PUBLIC_URL unless set. */
    audience: string;
    /** JWT_KEY_ROTATION: how old the current signing key gets before a new one replaces it. */
    keyRotationMs: number;
    /** FORWARD_AUTH_JWT: GET /auth/forward also hands the gateway a JWT (X-Auth-Jwt). */
    forwardAuth: boolean;
  };
  webauthn: {
    /** WEBAUTHN_RP_ID: the relying party's domain; the host of PUBLIC_URL unless set. */
    rpId: string;
    /** APP_NAME: the name authenticators show beside the passkey. */
    rpName: string;
    /** WEBAUTHN_ORIGINS: the origins accepted in clientDataJSON; PUBLIC_URL's origin unless set. */
    origins: string[];
  };
  oauth: OAuthSettings;
  webhooks: {
    /** WEBHOOK_TIMEOUT: how long one delivery attempt may take before it counts as failed. */
    timeoutMs: number;
    /** WEBHOOK_RETRY_SCHEDULE: the waits before each retry (each ±10 %); its length is the retries. */
    retryScheduleMs: number[];
    /** WEBHOOK_ALLOW_HTTP: accept http:// endpoints (https only otherwise). */
    allowHttp: boolean;
    /** WEBHOOK_ALLOW_PRIVATE: accept endpoints on loopback, private and other non-public addresses. */
    allowPrivate: boolean;
  };
  crypto: {
    /** ENCRYPTION_KEY; unset only outside production (a key file under DATA_DIR is used then). */
    key?: Buffer;
    /** ENCRYPTION_KEY_PREVIOUS: keys that still open values sealed before a rotation. */
    previousKeys: Buffer[];
  };
}

/** One provider of sign-in with another provider (OAUTH_<NAME>_*). */
export interface OAuthProviderSettings {
  /** The name in OAUTH_PROVIDERS and in the routes (`/login/oauth/<name>`), lowercase. */
  name: string;
  displayName: string;
  /** `oidc`: OpenID Connect by discovery of `issuer`; `github`: GitHub's OAuth 2 and its API. */
  kind: 'oidc' | 'github';
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** OpenID Connect: the issuer whose `/.well-known/openid-configuration` is read. */
  issuer?: string;
  /** GitHub: its endpoints (settable, so that a stand-in can be used in tests). */
  github?: { authorizationUrl: string; tokenUrl: string; apiUrl: string };
  /** Plain http is allowed for a loopback address only (a provider on this machine). */
  allowHttp: boolean;
}

export interface OAuthSettings {
  providers: OAuthProviderSettings[];
  /** OAUTH_REDIRECT_URLS: where a provider sign-in may send the browser back (origin + path). */
  redirectUrls: string[];
}

/** Defaults of the named presets; any other name is an OpenID Connect provider by discovery. */
const OAUTH_PRESETS: Record<string, Partial<OAuthProviderSettings>> = {
  google: {
    displayName: 'Google',
    kind: 'oidc',
    issuer: 'https://accounts.google.com',
    scopes: ['openid', 'email', 'profile'],
  },
  github: {
    displayName: 'GitHub',
    kind: 'github',
    scopes: ['read:user', 'user:email'],
    github: {
      authorizationUrl: 'https://github.com/login/oauth/authorize',
      tokenUrl: 'https://github.com/login/oauth/access_token',
      apiUrl: 'https://api.github.com',
    },
  },
};

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

function readOAuth(r: Reader, publicUrl: string): OAuthSettings {
  const providers: OAuthProviderSettings[] = [];
  const names = r.list('OAUTH_PROVIDERS').map((n) => n.toLowerCase());
  // https, or http to this machine only (a development or test provider).
  const endpoint = (name: string, fallback?: string): string | undefined => {
    const v = r.string(name, fallback as string);
    if (v === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      r.problems.push(`${name}: expected an https:// URL`);
      return undefined;
    }
    const ok =
      u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK_HOSTS.includes(u.hostname));
    if (!ok || u.username || u.password) {
      r.problems.push(`${name}: expected an https:// URL (http:// only for a loopback address)`);
      return undefined;
    }
    return v.replace(/\/+$/, '');
  };
  for (const name of names) {
    if (!/^[a-z][a-z0-9]{0,31}$/.test(name)) {
      r.problems.push(
        `OAUTH_PROVIDERS: "${name}" is not a provider name (letters and digits, starting with a letter)`,
      );
      continue;
    }
    if (providers.some((p) => p.name === name)) {
      r.problems.push(`OAUTH_PROVIDERS: "${name}" is listed twice`);
      continue;
    }
    const key = `OAUTH_${name.toUpperCase()}_`;
    const preset = OAUTH_PRESETS[name] ?? {};
    const kind = preset.kind ?? 'oidc';
    const required = (suffix: string): string => {
      const v = r.string(key + suffix);
      if (v === undefined) r.problems.push(`${key}${suffix}: required for the provider "${name}"`);
      return v ?? '';
    };
    const clientId = required('CLIENT_ID');
    const clientSecret = required('CLIENT_SECRET');
    const scopesText = r.string(key + 'SCOPES');
    const scopes = scopesText ? scopesText.split(/[\s,]+/).filter(Boolean) : preset.scopes;
    const issuer = kind === 'oidc' ? endpoint(key + 'ISSUER', preset.issuer) : undefined;
    if (kind === 'oidc' && issuer === undefined && !r.string(key + 'ISSUER')) {
      r.problems.push(`${key}ISSUER: required for the OpenID Connect provider "${name}"`);
    }
    const oidcScopes = scopes ?? ['openid', 'email', 'profile'];
    if (kind === 'oidc' && !oidcScopes.includes('openid')) {
      r.problems.push(`${key}SCOPES: an OpenID Connect provider needs the scope openid`);
    }
    const github =
      kind === 'github'
        ? {
            authorizationUrl:
              endpoint(key + 'AUTHORIZATION_URL', preset.github!.authorizationUrl) ?? '',
            tokenUrl: endpoint(key + 'TOKEN_URL', preset.github!.tokenUrl) ?? '',
            apiUrl: endpoint(key + 'API_URL', preset.github!.apiUrl) ?? '',
          }
        : undefined;
    const urls = [issuer, github?.authorizationUrl, github?.tokenUrl, github?.apiUrl];
    providers.push({
      name,
      displayName: r.string(key + 'DISPLAY_NAME', preset.displayName ?? name),
      kind,
      clientId,
      clientSecret,
      scopes: oidcScopes,
      issuer,
      github,
      allowHttp: urls.some((u) => u?.startsWith('http:')),
    });
  }
  const redirectUrls = r.list('OAUTH_REDIRECT_URLS');
  for (const url of redirectUrls) {
    let u: URL | undefined;
    try {
      u = new URL(url);
    } catch {
      u = undefined;
    }
    if (!u || !['http:', 'https:'].includes(u.protocol) || u.username || u.password || u.hash) {
      r.problems.push(
        `OAUTH_REDIRECT_URLS: "${url}" is not an http(s) URL such as https://app.example.com/signed-in`,
      );
    }
  }
  return { providers, redirectUrls: redirectUrls.length ? redirectUrls : [publicUrl] };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const DURATION = /^(\d+)(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `8h`, `10m`, `60s`, `500ms`, `2d`, or a plain number of seconds. */
export function parseDuration(value: string): number | undefined {
  const m = DURATION.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] ?? 's'];
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) {
      this.problems.push(`${name}="${v}": expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    this.problems.push(`${name}="${v}": expected true or false`);
    return fallback;
  }

  duration(name: string, fallback: string, minMs = 1): number {
    return this.optionalDuration(name, minMs, fallback) as number;
  }

  /** A comma-separated list of durations (`5s,5m,30m`), each at least 1 ms, at most 20 of them. */
  durationList(name: string, fallback: string): number[] {
    const v = this.raw(name) ?? fallback;
    const parts = v.split(',').map((p) => p.trim());
    const ms = parts.map((p) => parseDuration(p));
    if (parts.length > 20 || ms.some((m) => m === undefined || m < 1)) {
      this.problems.push(
        `${name}="${v}": expected up to 20 durations separated by commas, such as 5s,5m,30m`,
      );
      return fallback.split(',').map((p) => parseDuration(p)!);
    }
    return ms as number[];
  }

  /** Unset, `off`, `never` or `forever` mean no duration. */
  optionalDuration(name: string, minMs = 1, fallback?: string): number | undefined {
    const v = this.raw(name) ?? fallback;
    if (v === undefined || ['off', 'never', 'forever', 'none'].includes(v.toLowerCase())) {
      return undefined;
    }
    const ms = parseDuration(v);
    if (ms === undefined || ms < minMs) {
      this.problems.push(
        `${name}="${v}": expected a duration such as 8h, 10m, 60s or a number of seconds` +
          (minMs > 1 ? ` (at least ${minMs / 1000}s)` : ''),
      );
      return fallback ? parseDuration(fallback) : undefined;
    }
    return ms;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push(`${name}="${v}": expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return v as T;
  }

  match(name: string, pattern: RegExp, expected: string, fallback: string): string {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!pattern.test(v)) {
      this.problems.push(`${name}="${v}": expected ${expected}`);
      return fallback;
    }
    return v;
  }

  url(name: string, protocols: string[], fallback?: string): string | undefined {
    const v = this.raw(name) ?? fallback;
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) throw new Error();
      return v;
    } catch {
      this.problems.push(`${name}: expected a URL starting with ${protocols.join(' or ')}`);
      return fallback;
    }
  }

  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
}

/** The longest JWT_TTL allowed: how long a retired signing key may still have to verify a token. */
export const MAX_JWT_TTL_MS = 3_600_000;

const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

const PLACEHOLDER = /^(change[-_ ]?me|changeme|placeholder|secret|password|xxx+|todo)$/i;

const DOMAIN =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The WebAuthn relying party. Browsers refuse a ceremony whose RP ID is not the origin's host or a
 * suffix of it, so each origin is checked against the RP ID here rather than failing at sign-in.
 */
function readWebAuthn(r: Reader, publicUrl: string): Settings['webauthn'] {
  const fallback = publicUrl ? new URL(publicUrl) : new URL('http://localhost');
  const rpId = (r.string('WEBAUTHN_RP_ID') ?? fallback.hostname).toLowerCase();
  if (!DOMAIN.test(rpId)) {
    r.problems.push(
      `WEBAUTHN_RP_ID="${rpId}": expected a domain such as example.com (no scheme, port or path)`,
    );
  }
  const listed = r.list('WEBAUTHN_ORIGINS');
  const origins = listed.length ? listed : [fallback.origin];
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== origin) {
      r.problems.push(
        `WEBAUTHN_ORIGINS: "${origin}" is not an origin such as https://app.example.com`,
      );
      continue;
    }
    const host = url.hostname;
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      r.problems.push(
        `WEBAUTHN_ORIGINS: "${origin}" is not on WEBAUTHN_RP_ID "${rpId}" (nor a subdomain of it)`,
      );
    }
  }
  return { rpId, rpName: r.string('APP_NAME', 'Email Auth'), origins };
}

export function loadSettings(env: Env = process.env): Settings {
  const r = new Reader(env);
  const nodeEnv = r.string('NODE_ENV', 'development');

  const trustRaw = r.string('TRUST_PROXY', 'false');
  let trustProxy: boolean | number | string;
  // `true` is one hop (the proxy in front of us), not Express's "believe every address": with that,
  // a client's own X-Forwarded-For would choose its IP for the per-IP limit and the audit log.
  if (/^(true|false)$/i.test(trustRaw)) trustProxy = trustRaw.toLowerCase() === 'true' ? 1 : false;
  else if (/^\d+$/.test(trustRaw)) trustProxy = Number(trustRaw);
  else trustProxy = trustRaw; // e.g. "loopback" or "10.0.0.1, 10.0.0.0/8": Express validates it

  const corsOrigins = r.list('CORS_ORIGINS');
  for (const origin of corsOrigins) {
    if (origin === '*' || !/^https?:\/\/[^/]+$/.test(origin)) {
      r.problems.push(`CORS_ORIGINS: "${origin}" is not an origin such as https://app.example.com`);
    }
  }

  const adminEmail = r.string('ADMIN_EMAIL');
  const adminPassword = r.string('ADMIN_PASSWORD');
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    r.problems.push('ADMIN_EMAIL and ADMIN_PASSWORD: set both or neither');
  }

  const readKey = (name: string, text: string): Buffer | undefined => {
    const key = parseKey(text);
    if (!key) {
      r.problems.push(
        `${name}: expected 32 random bytes as base64 or hex; make one with ${MAKE_KEY_HINT}`,
      );
    }
    return key;
  };
  const encryptionKeyText = r.string('ENCRYPTION_KEY');
  const encryptionKey =
    encryptionKeyText === undefined ? undefined : readKey('ENCRYPTION_KEY', encryptionKeyText);
  const previousKeys = r
    .list('ENCRYPTION_KEY_PREVIOUS')
    .map((text) => readKey('ENCRYPTION_KEY_PREVIOUS', text))
    .filter((k): k is Buffer => k !== undefined);
  if (encryptionKeyText === undefined && nodeEnv === 'production') {
    r.problems.push(
      `ENCRYPTION_KEY: required in production (it encrypts secrets at rest); make one with ${MAKE_KEY_HINT}`,
    );
  }

  const mailTemplatesDir = r.string('MAIL_TEMPLATES_DIR');
  const roles = ['root', 'admin', 'user'] as const;
  const mfaRequiredRoles = r.list('MFA_REQUIRED_ROLES').filter((v): v is (typeof roles)[number] => {
    if ((roles as readonly string[]).includes(v)) return true;
    r.problems.push(`MFA_REQUIRED_ROLES: "${v}" is not a role (root, admin, user)`);
    return false;
  });

  const port = r.int('PORT', 3000, 0, 65535);
  // Unset: this machine on PORT, so the printed docs URL and the mail links follow PORT.
  const publicUrl = (
    r.url('PUBLIC_URL', ['http:', 'https:'], `http://localhost:${port}`) ?? ''
  ).replace(/\/+$/, '');
  const settings: Settings = {
    app: {
      nodeEnv,
      port,
      host: r.string('HOST', '0.0.0.0'),
      publicUrl,
      appName: r.string('APP_NAME', 'Email Auth'),
      corsOrigins,
      trustProxy,
      logLevel: r.oneOf(
        'LOG_LEVEL',
        ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
        'info',
      ),
      listCountLimit: r.int('LIST_COUNT_LIMIT', 10_000, 1, 1_000_000),
      listOverCapMs: r.int('LIST_OVER_CAP_MS', 30_000, 0, 600_000),
      logFormat: r.oneOf(
        'LOG_FORMAT',
        ['json', 'pretty'] as const,
        nodeEnv !== 'production' && process.stdout.isTTY ? 'pretty' : 'json',
      ),
    },
    ops: {
      metricsToken: r.string('METRICS_TOKEN'),
      shutdownDelayMs: r.duration('SHUTDOWN_DELAY', '0s', 0),
    },
    database: {
      url: r.url('DATABASE_URL', ['postgres:', 'postgresql:']),
      dataDir: resolve(r.string('DATA_DIR', './data')),
      migrationsRun: r.bool('MIGRATIONS_RUN', true),
      poolSize: r.int('DATABASE_POOL_SIZE', 10, 1, 200),
    },
    mail: {
      smtpUrl: r.url('SMTP_URL', ['smtp:', 'smtps:']),
      from: r.string('MAIL_FROM', 'Email Auth <no-reply@localhost>'),
      // Whether the locale has templates is checked when they load (MailCatalog), since
      // MAIL_TEMPLATES_DIR may add locales.
      defaultLocale: r.match('MAIL_DEFAULT_LOCALE', LOCALE, 'a locale such as en or ru', 'en'),
      templatesDir: mailTemplatesDir === undefined ? undefined : resolve(mailTemplatesDir),
      securityNotices: r.bool('SECURITY_NOTICES', true),
    },
    auth: {
      signupEnabled: r.bool('SIGNUP_ENABLED', true),
      loginCodeEnabled: r.bool('LOGIN_CODE_ENABLED', true),
      passwordMinLength: r.int('PASSWORD_MIN_LENGTH', 15, 8, 256),
      passwordMaxLength: r.int('PASSWORD_MAX_LENGTH', 256, 256, 4096),
      passwordPepper: r.string('PASSWORD_PEPPER'),
      bcryptCost: r.int('BCRYPT_COST', 12, 10, 16),
      sessionTtlMs: r.duration('SESSION_TTL', '8h', 1000),
      sessionIdleTimeoutMs: r.optionalDuration('SESSION_IDLE_TIMEOUT', 1000),
      sessionPolicy: r.oneOf('SESSION_POLICY', ['single', 'multiple'] as const, 'multiple'),
      cookie: r.bool('AUTH_COOKIE', false),
      mfaRequiredRoles,
    },
    otp: {
      otpTtlMs: r.duration('OTP_TTL', '10m', 1000),
      linkTtlMs: r.duration('LINK_TTL', '24h', 1000),
      resendCooldownMs: r.duration('RESEND_COOLDOWN', '60s', 1000),
      secret: r.string('OTP_SECRET'),
    },
    throttle: {
      ipRateLimit: r.int('IP_RATE_LIMIT', 30, 1, 1_000_000),
      ipRateWindowMs: r.duration('IP_RATE_WINDOW', '5m', 1000),
      redisUrl: r.url('REDIS_URL', ['redis:', 'rediss:']),
    },
    audit: {
      retentionMs: r.optionalDuration('AUDIT_RETENTION', 86_400_000),
      chainCheckIntervalMs: r.optionalDuration('AUDIT_CHAIN_CHECK_INTERVAL', 1000, '15m'),
      chainCheckRecords: r.int('AUDIT_CHAIN_CHECK_RECORDS', 10_000, 1, 1_000_000),
    },
    admin: { email: adminEmail?.toLowerCase(), password: adminPassword },
    services: { keys: r.list('SERVICE_KEYS') },
    jwt: {
      alg: r.oneOf('JWT_ALG', ['eddsa', 'es256'] as const, 'eddsa') === 'es256' ? 'ES256' : 'EdDSA',
      ttlMs: r.duration('JWT_TTL', '5m', 1000),
      audience: r.string('JWT_AUDIENCE', publicUrl),
      keyRotationMs: r.duration('JWT_KEY_ROTATION', '30d', 1000),
      forwardAuth: r.bool('FORWARD_AUTH_JWT', false),
    },
    webauthn: readWebAuthn(r, publicUrl),
    oauth: readOAuth(r, publicUrl),
    webhooks: {
      timeoutMs: r.duration('WEBHOOK_TIMEOUT', '10s', 100),
      retryScheduleMs: r.durationList('WEBHOOK_RETRY_SCHEDULE', '5s,5m,30m,2h,5h,10h,10h'),
      allowHttp: r.bool('WEBHOOK_ALLOW_HTTP', false),
      allowPrivate: r.bool('WEBHOOK_ALLOW_PRIVATE', false),
    },
    crypto: { key: encryptionKey, previousKeys },
  };
  if (settings.webhooks.timeoutMs > 60_000) {
    r.problems.push('WEBHOOK_TIMEOUT: at most 60s (a slow receiver holds a delivery slot)');
  }
  if (settings.jwt.ttlMs > MAX_JWT_TTL_MS) {
    r.problems.push(
      'JWT_TTL: a JWT may live an hour at most (it cannot be revoked before it expires)',
    );
  }
  if (settings.services.keys.some((k) => k.length < 32)) {
    r.problems.push('SERVICE_KEYS: each key must be at least 32 characters (openssl rand -hex 32)');
  }

  if (settings.ops.metricsToken !== undefined && settings.ops.metricsToken.length < 16) {
    r.problems.push('METRICS_TOKEN: at least 16 characters (it guards /metrics)');
  }
  if (settings.otp.otpTtlMs > 10 * 60_000) {
    r.problems.push('OTP_TTL: codes may live 10 minutes at most');
  }
  if (nodeEnv === 'production') {
    for (const name of ['PASSWORD_PEPPER', 'OTP_SECRET', 'ADMIN_PASSWORD', 'METRICS_TOKEN']) {
      const v = env[name];
      if (v !== undefined && PLACEHOLDER.test(v.trim())) {
        r.problems.push(`${name}: still the placeholder from .env.example; set a real secret`);
      }
    }
  }

  if (r.problems.length) throw new ConfigError(r.problems);
  return settings;
}
