import { execFile, spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JSONWebKeySet,
  jwtVerify,
} from 'jose';
import { SigningKeysService } from '../src/tokens/signing-keys.service';
import { jwtRotateCommand } from '../src/tokens/jwt-rotate.command';
import { bearer, createUser, loginToken } from './support/factories';
import { eventually } from './support/eventually';
import { startApp, TestApp } from './support/test-app';

const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'https://api.example.test';
const PYTHON = '/usr/bin/python3';
const VERIFY_PY = join(__dirname, 'support', 'verify-jwt.py');
/** The members a public key of the set may have: nothing private (d, p, q, dp, dq, qi, k). */
const PUBLIC_MEMBERS = ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'];

/** Why PyJWT cannot run here, or undefined when it can. */
function pyJwtProblem(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import jwt, cryptography'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} is missing`;
  if (probe.status !== 0) return 'python3-jwt or python3-cryptography is not installed';
  return undefined;
}
const pyProblem = pyJwtProblem();
if (pyProblem && process.env.CI) {
  throw new Error(
    `CI needs PyJWT (apt-get install python3-jwt python3-cryptography): ${pyProblem}`,
  );
}
const itPy = pyProblem ? it.skip : it;
const py = (name: string) => (pyProblem ? `${name} (skipped: ${pyProblem})` : name);

/** Starts the app listening on a loopback port, for verifiers that fetch the key set by URL. */
async function listening(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

async function mint(t: TestApp, token: string) {
  const res = await t.http.post('/token/jwt').set(bearer(token)).expect(200);
  return res.body as { jwt: string; token_type: string; expires_at: string };
}

async function jwks(t: TestApp): Promise<JSONWebKeySet> {
  const res = await t.http.get('/.well-known/jwks.json').expect(200);
  return res.body as JSONWebKeySet;
}

const kids = (set: JSONWebKeySet) => set.keys.map((k) => k.kid);

/** PyJWT's verdict: the claims, or the reason it refused the token. */
async function verifyInPython(base: string, jwt: string, issuer = ISSUER, audience = AUDIENCE) {
  try {
    const { stdout } = await promisify(execFile)(PYTHON, [
      VERIFY_PY,
      `${base}/.well-known/jwks.json`,
      issuer,
      audience,
      jwt,
    ]);
    return {
      ok: true as const,
      ...(JSON.parse(stdout) as { kid: string; claims: Record<string, unknown> }),
    };
  } catch (e) {
    return { ok: false as const, reason: (e as { stderr?: string }).stderr ?? String(e) };
  }
}

describe('Signed session tokens (JWT)', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await startApp({ PUBLIC_URL: ISSUER, JWT_AUDIENCE: AUDIENCE, FORWARD_AUTH_JWT: 'true' });
    base = await listening(t);
  });
  afterAll(() => t?.destroy());

  it('makes a JWT of the session with the contract’s claims, living JWT_TTL', async () => {
    const u = await createUser(t, { role: 'admin' });
    const token = await loginToken(t, u.email);
    const before = Math.floor(Date.now() / 1000);
    const res = await t.http.post('/token/jwt').set(bearer(token)).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      jwt: expect.any(String),
      token_type: 'Bearer',
      expires_at: expect.any(String),
    });
    const session = (await t.http.get('/validate_token').set(bearer(token)).expect(200)).body;

    const header = decodeProtectedHeader(res.body.jwt);
    expect(header).toEqual({ alg: 'EdDSA', kid: expect.any(String), typ: 'JWT' });
    expect(kids(await jwks(t))).toContain(header.kid);

    const claims = decodeJwt(res.body.jwt);
    expect(claims).toEqual({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: String(u.id),
      sid: session.session.id,
      email: u.email,
      email_verified: true,
      role: 'admin',
      aal: 1,
      iat: expect.any(Number),
      nbf: claims.iat,
      exp: claims.iat! + 300,
      jti: expect.any(String),
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(res.body.expires_at).toBe(new Date(claims.exp! * 1000).toISOString());
    // A fresh id per JWT.
    expect(decodeJwt((await mint(t, token)).jwt).jti).not.toBe(claims.jti);
  });

  it('publishes public keys only, cacheable for five minutes', async () => {
    const res = await t.http.get('/.well-known/jwks.json').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.body.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of res.body.keys) {
      expect(Object.keys(key).every((k) => PUBLIC_MEMBERS.includes(k))).toBe(true);
      expect(key).toEqual({
        kid: expect.any(String),
        alg: 'EdDSA',
        use: 'sig',
        kty: 'OKP',
        crv: 'Ed25519',
        x: expect.any(String),
      });
    }
    // At rest the private part is sealed, never the plain JWK.
    const rows: { private_jwk: string }[] = await t.db.query(
      'SELECT private_jwk FROM jwt_signing_keys',
    );
    for (const row of rows) {
      expect(row.private_jwk.startsWith('v1.')).toBe(true);
      expect(row.private_jwk).not.toContain('"d"');
    }
  });

  it('verifies with jose against the served key set, and not for another audience or issuer', async () => {
    const u = await createUser(t);
    const { jwt } = await mint(t, await loginToken(t, u.email));
    const keySet = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(jwt, keySet, { issuer: ISSUER, audience: AUDIENCE });
    expect(payload.sub).toBe(String(u.id));
    await expect(
      jwtVerify(jwt, keySet, { issuer: ISSUER, audience: 'https://other.example.test' }),
    ).rejects.toThrow(/aud/);
    await expect(
      jwtVerify(jwt, keySet, { issuer: 'https://evil.example.test', audience: AUDIENCE }),
    ).rejects.toThrow(/iss/);
    // A changed claim breaks the signature.
    const [h, p, s] = jwt.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(jwt), role: 'root' })).toString(
      'base64url',
    );
    expect(forged).not.toBe(p);
    await expect(jwtVerify(`${h}.${forged}.${s}`, keySet)).rejects.toThrow(/signature/);
  });

  itPy(
    py('verifies with PyJWT (an independent implementation), issuer and audience checked'),
    async () => {
      const u = await createUser(t);
      const { jwt } = await mint(t, await loginToken(t, u.email));
      const verdict = await verifyInPython(base, jwt);
      expect(verdict).toMatchObject({
        ok: true,
        kid: decodeProtectedHeader(jwt).kid,
        claims: { sub: String(u.id), email: u.email, iss: ISSUER, aud: AUDIENCE },
      });
      const wrongAudience = await verifyInPython(base, jwt, ISSUER, 'https://other.example.test');
      expect(wrongAudience).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/audience/i),
      });
      const wrongIssuer = await verifyInPython(base, jwt, 'https://evil.example.test', AUDIENCE);
      expect(wrongIssuer).toMatchObject({ ok: false, reason: expect.stringMatching(/issuer/i) });
    },
  );

  it('refuses a JWT where a session token is expected (401 invalid_token)', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    const { jwt } = await mint(t, token);
    for (const [method, path] of [
      ['get', '/validate_token'],
      ['post', '/logout'],
      ['get', '/me'],
      ['post', '/token/jwt'],
      ['get', '/auth/forward'],
    ] as const) {
      const res = await t.http[method](path).set(bearer(jwt));
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 401,
        code: 'invalid_token',
      });
    }
    // The session itself is untouched by those attempts.
    await t.http.get('/validate_token').set(bearer(token)).expect(200);
  });

  it('makes no JWT for a revoked session or a blocked user', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    await t.http.post('/logout').set(bearer(token)).expect(204);
    const res = await t.http.post('/token/jwt').set(bearer(token)).expect(401);
    expect(res.body.code).toBe('invalid_token');

    const blocked = await createUser(t);
    const blockedToken = await loginToken(t, blocked.email);
    await t.db.query(
      `UPDATE users SET is_active = false, blocked_until = now() + interval '1 hour' WHERE id = $1`,
      [blocked.id],
    );
    const refused = await t.http.post('/token/jwt').set(bearer(blockedToken)).expect(401);
    expect(refused.body.code).toBe('invalid_token');
  });

  it('hands a gateway the JWT in X-Auth-Jwt when FORWARD_AUTH_JWT=true', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    const res = await t.http.get('/auth/forward').set(bearer(token)).expect(200);
    const jwt = res.headers['x-auth-jwt'];
    expect(jwt).toEqual(expect.any(String));
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(await jwks(t)), {
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    expect(payload).toMatchObject({ sub: String(u.id), sid: res.headers['x-auth-session-id'] });
  });

  it('keeps one current key however many callers make or rotate one at once', async () => {
    const keys = t.app.get(SigningKeysService);
    const current = () =>
      t.db.query<{ kid: string }[]>('SELECT kid FROM jwt_signing_keys WHERE retired_at IS NULL');
    const rotated = await Promise.all([1, 2, 3, 4, 5].map(() => keys.rotate()));
    const [winner] = await current();
    expect(await current()).toHaveLength(1);
    expect(rotated.map((r) => r.kid)).toContain(winner.kid);
    expect(
      decodeProtectedHeader((await mint(t, await loginToken(t, (await createUser(t)).email))).jwt)
        .kid,
    ).toBe(winner.kid);

    await t.db.query('DELETE FROM jwt_signing_keys');
    // Each instance reads the current key again at most once a second.
    await new Promise((r) => setTimeout(r, 1100));
    const made = await Promise.all([1, 2, 3, 4, 5].map(() => keys.current()));
    expect(new Set(made.map((k) => k.kid)).size).toBe(1);
    expect(await current()).toEqual([{ kid: made[0].kid }]);
  });
});

describe('JWT lifetime and keys under other settings', () => {
  it('never lets a JWT outlive its session', async () => {
    const t = await startApp({ SESSION_TTL: '90s' });
    try {
      const u = await createUser(t);
      const token = await loginToken(t, u.email);
      const session = (await t.http.get('/validate_token').set(bearer(token)).expect(200)).body;
      const { jwt, expires_at } = await mint(t, token);
      const { exp, iat } = decodeJwt(jwt);
      const sessionEnd = Date.parse(session.session.expires_at);
      expect(exp! * 1000).toBeLessThanOrEqual(sessionEnd);
      expect(exp! * 1000).toBeGreaterThan(sessionEnd - 1000);
      expect(exp! - iat!).toBeLessThan(300);
      expect(expires_at).toBe(new Date(exp! * 1000).toISOString());
    } finally {
      await t.destroy();
    }
  });

  it('does not make GET /auth/forward mint a JWT unless FORWARD_AUTH_JWT=true', async () => {
    const t = await startApp();
    try {
      const u = await createUser(t);
      const res = await t.http.get('/auth/forward').set(bearer(await loginToken(t, u.email)));
      expect(res.status).toBe(200);
      expect(res.headers['x-auth-jwt']).toBeUndefined();
    } finally {
      await t.destroy();
    }
  });

  it('keeps old tokens verifying after jwt-rotate, and drops the retired key once they expired', async () => {
    const t = await startApp({ JWT_TTL: '2s' });
    try {
      const u = await createUser(t);
      const token = await loginToken(t, u.email);
      const old = await mint(t, token);
      const oldKid = decodeProtectedHeader(old.jwt).kid!;

      let out = '';
      const code = await jwtRotateCommand(t.app, {
        write: (s: string) => ((out += s), true),
      } as unknown as NodeJS.WritableStream);
      expect(code).toBe(0);
      const newKid = /key (\S+) is current; (\S+) is retired/.exec(out);
      expect(newKid?.[2]).toBe(oldKid);

      const fresh = await mint(t, token);
      expect(decodeProtectedHeader(fresh.jwt).kid).toBe(newKid![1]);
      const set = await jwks(t);
      expect(kids(set)).toEqual([newKid![1], oldKid]);
      // Both verify against the set as it is now.
      await jwtVerify(old.jwt, createLocalJWKSet(set));
      await jwtVerify(fresh.jwt, createLocalJWKSet(set));

      // The retired key leaves the set, and not before the last token it signed expired.
      await eventually(
        async () => !kids(await jwks(t)).includes(oldKid),
        'the retired key dropped',
      );
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(old.expires_at));
      expect(kids(await jwks(t))).toEqual([newKid![1]]);
    } finally {
      await t.destroy();
    }
  });

  it('signs ES256 with JWT_ALG=ES256, replaces the EdDSA key, and rotates by JWT_KEY_ROTATION', async () => {
    const first = await startApp();
    const edKid = kids(await jwks(first))[0];
    await first.close();
    const t = await startApp(
      { JWT_ALG: 'ES256', JWT_KEY_ROTATION: '2s', PUBLIC_URL: ISSUER, JWT_AUDIENCE: AUDIENCE },
      { database: first.database, mail: first.mail },
    );
    try {
      const base = await listening(t);
      const set = await jwks(t);
      // The EdDSA key is retired, still published for the tokens it signed.
      expect(kids(set)).toContain(edKid);
      const es = set.keys.find((k) => k.alg === 'ES256')!;
      expect(es).toEqual({
        kid: expect.any(String),
        alg: 'ES256',
        use: 'sig',
        kty: 'EC',
        crv: 'P-256',
        x: expect.any(String),
        y: expect.any(String),
      });
      const u = await createUser(t);
      const token = await loginToken(t, u.email);
      const { jwt } = await mint(t, token);
      expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'ES256', kid: es.kid });
      const keySet = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`));
      await jwtVerify(jwt, keySet, { issuer: ISSUER, audience: AUDIENCE });
      if (!pyProblem)
        expect(await verifyInPython(base, jwt)).toMatchObject({ ok: true, kid: es.kid });

      // The periodic check replaces a key that is JWT_KEY_ROTATION old.
      const next = await eventually(async () => {
        const { jwt: later } = await mint(t, token);
        const kid = decodeProtectedHeader(later).kid;
        return kid !== es.kid && later;
      }, 'a rotated key');
      await jwtVerify(next, createLocalJWKSet(await jwks(t)), {
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      await jwtVerify(jwt, createLocalJWKSet(await jwks(t)), {
        issuer: ISSUER,
        audience: AUDIENCE,
      });
    } finally {
      await t.close();
      await first.destroy();
    }
  });
});
