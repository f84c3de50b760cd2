import { spawn, ChildProcess, execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { msInterval } from '../src/database/sql';
import { SessionsRepository } from '../src/sessions/sessions.repository';
import { bearer, createUser, GOOD_PASSWORD, loginToken } from './support/factories';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { startApp, TestApp } from './support/test-app';

/** Everything but Date: the server's timers, pg's and supertest's run as usual. */
const REAL_TIMERS = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;
const onPostgres = !!process.env.DATABASE_URL;

/** true once something listens on the port, undefined until then (for `eventually`). */
function accepts(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}

function hasRedis(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('session lifetime', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ SESSION_TTL: '4s', SESSION_IDLE_TIMEOUT: '2s' });
  });
  afterAll(() => t.destroy());

  // The server's clock is the test's: Date is jest's, still but for `letPass` (timers stay real).
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: [...REAL_TIMERS] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /**
   * Lets `ms` pass for the server without waiting. The process reads Date, and so does the
   * embedded database (PGlite runs in this process); PostgreSQL keeps its own clock, so there the
   * sessions' times move that far into the past instead.
   */
  async function letPass(ms: number): Promise<void> {
    jest.setSystemTime(Date.now() + ms);
    if (onPostgres) {
      await t.db.query(
        `UPDATE sessions SET created_at = created_at - ${msInterval('$1')},
                last_seen_at = last_seen_at - ${msInterval('$1')},
                expires_at = expires_at - ${msInterval('$1')}`,
        [ms],
      );
    }
  }

  const status = async (token: string) =>
    (await t.http.get('/validate_token').set(bearer(token))).status;

  it('ends a session left unused for SESSION_IDLE_TIMEOUT', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    expect(await status(token)).toBe(200);
    await letPass(2300);
    expect(await status(token)).toBe(401);
    const list = await t.http.get('/sessions').set(bearer(await loginToken(t, u.email)));
    expect(list.body.sessions).toHaveLength(1);
  });

  it('keeps a used session past the idle timeout, but never past SESSION_TTL', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    // Used every 400 ms up to 2.8 s, past the 2 s idle timeout...
    for (let elapsed = 0; elapsed <= 2800; elapsed += 400) {
      expect({ elapsed, status: await status(token) }).toEqual({ elapsed, status: 200 });
      if (elapsed < 2800) await letPass(400);
    }
    // ...and ended at 4.3 s, past the 4 s SESSION_TTL, though used 1.5 s before.
    await letPass(1500);
    expect(await status(token)).toBe(401);
  });
});

describe('cookie mode with SESSION_POLICY=single', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_COOKIE: 'true', SESSION_POLICY: 'single' });
  });
  afterAll(() => t.destroy());

  const cookieOf = (setCookie: string[] | string | undefined) =>
    [setCookie ?? []].flat().find((c) => c.startsWith('__Host-session='));

  it('sets the token in an HttpOnly, Secure, SameSite=Strict cookie the guard accepts', async () => {
    const u = await createUser(t);
    const res = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
    expect(res.status).toBe(200);
    const cookie = cookieOf(res.headers['set-cookie']);
    expect(cookie).toBeDefined();
    expect(cookie).toContain(`__Host-session=${res.body.token}`);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; Expires=/);

    const pair = `__Host-session=${res.body.token}`;
    const ok = await t.http.get('/validate_token').set('Cookie', `other=1; ${pair}`);
    expect(ok.status).toBe(200);
    expect(ok.body.session.id).toBe(res.body.session_id);
    // The header still works, and wins over the cookie.
    expect((await t.http.get('/validate_token').set(bearer(res.body.token))).status).toBe(200);
    const badHeader = await t.http
      .get('/validate_token')
      .set('Cookie', pair)
      .set('Authorization', 'Bearer nope');
    expect(badHeader.status).toBe(401);
  });

  it('refuses a state-changing request by cookie without the CSRF header, and logout clears the cookie', async () => {
    const u = await createUser(t);
    const res = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
    const pair = `__Host-session=${res.body.token}`;

    const forged = await t.http.post('/logout').set('Cookie', pair);
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('csrf_header_missing');
    const forgedPut = await t.http
      .put('/password')
      .set('Cookie', pair)
      .send({ current_password: GOOD_PASSWORD, new_password: 'seven silver swans swimming' });
    expect(forgedPut.status).toBe(403);
    expect((await t.http.get('/validate_token').set('Cookie', pair)).status).toBe(200);

    const out = await t.http.post('/logout').set('Cookie', pair).set('X-CSRF-Protection', '1');
    expect(out.status).toBe(204);
    const cleared = cookieOf(out.headers['set-cookie']);
    expect(cleared).toMatch(/^__Host-session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await t.http.get('/validate_token').set('Cookie', pair)).status).toBe(401);
  });

  it('accepts X-Requested-With as the CSRF header too, and a bearer needs none', async () => {
    const u = await createUser(t);
    const a = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
    const res = await t.http
      .post('/logout/all')
      .set('Cookie', `__Host-session=${a.body.token}`)
      .set('X-Requested-With', 'XMLHttpRequest');
    expect(res.status).toBe(204);
    const b = await loginToken(t, u.email);
    expect((await t.http.post('/logout').set(bearer(b))).status).toBe(204);
  });

  it('ends the earlier sessions at each login', async () => {
    const u = await createUser(t);
    const first = await loginToken(t, u.email);
    const second = await loginToken(t, u.email);
    expect((await t.http.get('/validate_token').set(bearer(first))).status).toBe(401);
    expect((await t.http.get('/validate_token').set(bearer(second))).status).toBe(200);
    const list = await t.http.get('/sessions').set(bearer(second));
    expect(list.body.sessions).toHaveLength(1);
  });
});

describe('the per-IP limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ IP_RATE_LIMIT: '3', IP_RATE_WINDOW: '1m' });
  });
  afterAll(() => t.destroy());

  it('answers 429 with Retry-After past IP_RATE_LIMIT, whatever X-Forwarded-For says', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email); // 1
    for (let i = 0; i < 2; i++) {
      const res = await t.http
        .post('/login')
        .set('X-Forwarded-For', `203.0.113.${i}`)
        .send({ email: u.email, password: 'wrong password here' });
      expect(res.status).toBe(401);
    }
    const res = await t.http
      .post('/login')
      .set('X-Forwarded-For', '198.51.100.7')
      .send({ email: u.email, password: GOOD_PASSWORD });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('too_many_requests');
    const retry = Number(res.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    // Invalid bodies count too, and token checks are not limited.
    expect((await t.http.post('/login').send({})).status).toBe(429);
    expect((await t.http.get('/validate_token').set(bearer(token))).status).toBe(200);
  });
});

(hasRedis() ? describe : describe.skip)('the per-IP limit in Redis (REDIS_URL)', () => {
  let redis: ChildProcess;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await eventually(() => accepts(port), `redis-server on port ${port}`);
    const env = {
      IP_RATE_LIMIT: '2',
      IP_RATE_WINDOW: '1m',
      REDIS_URL: `redis://127.0.0.1:${port}`,
    };
    a = await startApp(env);
    b = await startApp(env);
  });
  afterAll(async () => {
    await a?.destroy();
    await b?.destroy();
    redis?.kill();
  });

  it('shares one count per address between instances', async () => {
    const body = { email: 'someone@example.com', password: 'wrong password here' };
    expect((await a.http.post('/login').send(body)).status).toBe(401);
    expect((await b.http.post('/login').send(body)).status).toBe(401);
    const third = await a.http.post('/login').send(body);
    expect(third.status).toBe(429);
    expect((await b.http.post('/login').send(body)).status).toBe(429);
  });
});

// Two apps cannot open one embedded database folder; on PostgreSQL they share the database.
(onPostgres ? describe : describe.skip)('two instances on one database', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    first = await startApp();
    second = await startApp({}, { database: first.database, mail: first.mail });
  });
  afterAll(async () => {
    await second?.destroy();
    await first?.destroy();
  });

  it('uses the prepared-statement path on PostgreSQL', () => {
    const repo: unknown = first.app.get(SessionsRepository);
    expect((repo as { pgPool?: unknown }).pgPool).toBeDefined();
  });

  it('refuses on one instance a session revoked on the other, at once', async () => {
    const u = await createUser(first);
    const a = await loginToken(first, u.email);
    const b = await loginToken(first, u.email);
    expect((await second.http.get('/validate_token').set(bearer(a))).status).toBe(200);
    expect((await first.http.post('/logout').set(bearer(a))).status).toBe(204);
    expect((await second.http.get('/validate_token').set(bearer(a))).status).toBe(401);

    expect((await second.http.get('/validate_token').set(bearer(b))).status).toBe(200);
    expect((await second.http.post('/logout/all').set(bearer(b))).status).toBe(204);
    expect((await first.http.get('/validate_token').set(bearer(b))).status).toBe(401);
  });
});
