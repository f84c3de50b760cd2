import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as clientPackage from 'nest-email-auth-client';
import * as serverEntry from '../src/client';
import { Session } from '../src/sessions/session.entity';
import { UsersRepository } from '../src/users/users.repository';
import { eventually } from './support/eventually';
import { bearer, createUser, loginToken } from './support/factories';
import { startConsumer } from './support/consumer';
import { freePort } from './support/free-port';
import { SseReader } from './support/sse';
import { startApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const SERVICE_KEY = 'service-key-of-the-consumer-in-this-test-01';
const onPostgres = !!process.env.DATABASE_URL;

describe('the client entry of the server (nest-email-auth/client)', () => {
  it('re-exports the client package: the same names, the same objects', () => {
    const entry: Record<string, unknown> = { ...serverEntry };
    const pkg: Record<string, unknown> = { ...clientPackage };
    expect(Object.keys(entry).sort()).toEqual(Object.keys(pkg).sort());
    for (const name of Object.keys(pkg)) expect(entry[name]).toBe(pkg[name]);
    // An outside project loads the build of that entry (nest build writes src/ into dist/src/).
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(manifest.exports['./client'].default).toBe('./dist/src/client/index.js');
  });
});

describe('another Nest service guarded by the client module', () => {
  let t: TestApp;
  let consumer: { kill: () => void };
  let get: (path: string, token?: string) => Promise<Response>;
  let consumerUrl: string;
  let authPort: number;

  beforeAll(async () => {
    t = await startApp();
    authPort = await freePort();
    await t.app.listen(authPort, '127.0.0.1');
    const c = await startConsumer(authPort);
    consumer = c;
    get = c.get;
    consumerUrl = c.url;
  }, 240_000);

  afterAll(async () => {
    consumer?.kill();
    await t?.destroy();
  });

  it('loads none of the server-side packages', async () => {
    const res = await get('/loaded');
    expect(await res.json()).toEqual([]);
  });

  it('lets a valid token through and puts the user on the request', async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email, user.password);
    const res = await get('/me', token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: user.id, email: user.email, role: 'user' });
  });

  it('leaves @Public() routes open', async () => {
    expect((await get('/public')).status).toBe(200);
  });

  it('answers 401 for a missing, garbage, logged-out or blocked token', async () => {
    const missing = await get('/me');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ statusCode: 401, code: 'invalid_token' });
    expect((await get('/me', 'garbage')).status).toBe(401);

    const user = await createUser(t);
    const loggedOut = await loginToken(t, user.email, user.password);
    await t.http.post('/logout').set('Authorization', `Bearer ${loggedOut}`).expect(204);
    expect((await get('/me', loggedOut)).status).toBe(401);

    const blocked = await createUser(t);
    const blockedToken = await loginToken(t, blocked.email, blocked.password);
    expect((await get('/me', blockedToken)).status).toBe(200);
    await t.app.get(UsersRepository).update(blocked.id, { isActive: false });
    expect((await get('/me', blockedToken)).status).toBe(401);
  });

  it('answers 403 on an admin-only route for a user, 200 for an admin', async () => {
    const user = await createUser(t);
    const admin = await createUser(t, { role: 'admin' });
    const forUser = await get('/admin/reports', await loginToken(t, user.email, user.password));
    expect(forUser.status).toBe(403);
    expect(await forUser.json()).toMatchObject({ statusCode: 403, code: 'forbidden' });
    const forAdmin = await get('/admin/reports', await loginToken(t, admin.email, admin.password));
    expect(forAdmin.status).toBe(200);
  });

  it('accepts the session cookie, and asks cookie-authenticated writes for the CSRF header', async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email, user.password);
    const cookie = { cookie: `__Host-session=${token}` };
    const me = await fetch(`${consumerUrl}/me`, { headers: cookie });
    expect(me.status).toBe(200);
    const noHeader = await fetch(`${consumerUrl}/notes`, { method: 'POST', headers: cookie });
    expect(noHeader.status).toBe(403);
    expect(await noHeader.json()).toMatchObject({ code: 'csrf_header_missing' });
    const withHeader = await fetch(`${consumerUrl}/notes`, {
      method: 'POST',
      headers: { ...cookie, 'x-csrf-protection': '1' },
    });
    expect(withHeader.status).toBe(201);
    // A bearer token is not a cookie: no CSRF header needed.
    const withBearer = await fetch(`${consumerUrl}/notes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(withBearer.status).toBe(201);
    // Read as the server reads it: the scheme in any case; another scheme never falls back to the cookie.
    const lower = await fetch(`${consumerUrl}/me`, {
      headers: { authorization: `bearer ${token}` },
    });
    expect(lower.status).toBe(200);
    const basic = await fetch(`${consumerUrl}/me`, {
      headers: { ...cookie, authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.status).toBe(401);
  });

  it('answers 503, not 500 or 401, while the auth server is down', async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email, user.password);
    await t.close();
    const res = await get('/me', token);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ statusCode: 503, code: 'auth_unavailable' });
  });
});

describe('a consumer with a service key: cached while its event stream is up', () => {
  let t: TestApp;
  let authPort: number;
  let consumer: Awaited<ReturnType<typeof startConsumer>>;
  // Long enough that only an event (or a dropped stream) can explain a token stopping to pass.
  const CACHE_TTL_MS = '300000';

  const live = async () =>
    ((await (await consumer.get('/cache')).json()) as { live: boolean }).live;
  /** Ends a session behind the server's back (no event), to see whether the consumer still caches. */
  const revokeSilently = (token: string) =>
    t.http
      .get('/validate_token')
      .set(bearer(token))
      .then((r) =>
        t.db
          .getRepository(Session)
          .update({ id: r.body.session.id as string }, { revokedAt: new Date() }),
      );
  /**
   * Logs in and waits until the login's own `user` event (last_login_at changed) has gone by on the
   * stream, so that it cannot arrive late and evict what the test caches next.
   */
  const loginAndSettle = async (u: { id: string | number; email: string }) => {
    const sse = await SseReader.open(`http://127.0.0.1:${authPort}/events/sessions`, SERVICE_KEY);
    try {
      const token = await loginToken(t, u.email);
      await sse.waitFor((e) => e.event === 'user' && String(e.data.user_id) === String(u.id));
      return token;
    } finally {
      sse.close();
    }
  };

  beforeAll(async () => {
    t = await startApp({ SERVICE_KEYS: SERVICE_KEY });
    authPort = await freePort();
    await t.app.listen(authPort, '127.0.0.1');
    consumer = await startConsumer(authPort, { SERVICE_KEY, CACHE_TTL_MS });
    await eventually(live, 'the consumer to follow the event stream');
  }, 240_000);

  afterAll(async () => {
    consumer?.kill();
    await t?.destroy();
  });

  it('serves a checked token from its cache, and sees a logout through the stream', async () => {
    const u = await createUser(t);
    const cached = await loginAndSettle(u);
    expect((await consumer.get('/me', cached)).status).toBe(200);
    await revokeSilently(cached);
    // Revoked in the database without an event: the cache still answers (proof it is used).
    expect((await consumer.get('/me', cached)).status).toBe(200);

    const other = await loginToken(t, u.email);
    expect((await consumer.get('/me', other)).status).toBe(200);
    await t.http.post('/logout').set(bearer(other)).expect(204);
    await eventually(
      async () => (await consumer.get('/me', other)).status === 401,
      'the logout to reach the consumer',
    );
    // A block evicts every entry of the user at once: also the silently revoked one.
    const admin = await createUser(t, { role: 'root' });
    await t.http
      .put('/users/status/change')
      .set(bearer(await loginToken(t, admin.email)))
      .send({ user_id: Number(u.id), is_active: false })
      .expect(200);
    await eventually(
      async () => (await consumer.get('/me', cached)).status === 401,
      'the block to reach the consumer',
    );
  });

  it('answers 503, never a cached 200, while the auth server is gone, and recovers by itself', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    const revoked = await loginToken(t, u.email);
    expect((await consumer.get('/me', token)).status).toBe(200);
    expect((await consumer.get('/me', revoked)).status).toBe(200);
    await revokeSilently(revoked);

    const { database, mail } = t;
    await t.close();
    await eventually(async () => !(await live()), 'the consumer to see the stream drop');
    const down = await consumer.get('/me', token);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ code: 'auth_unavailable' });

    // Back on the same port and database: the consumer reconnects with backoff by itself.
    t = await startApp({ SERVICE_KEYS: SERVICE_KEY }, { database, mail });
    await t.app.listen(authPort, '127.0.0.1');
    await eventually(live, 'the consumer to reconnect');
    expect((await consumer.get('/me', token)).status).toBe(200);
    // The cache was emptied when the stream dropped: the silent revocation is seen now.
    expect((await consumer.get('/me', revoked)).status).toBe(401);
  });

  (onPostgres ? it : it.skip)(
    'empties and disables its cache when the stream is cut, and turns it on again',
    async () => {
      const u = await createUser(t);
      const token = await loginAndSettle(u);
      expect((await consumer.get('/me', token)).status).toBe(200);
      await revokeSilently(token);
      expect((await consumer.get('/me', token)).status).toBe(200);
      // The server loses LISTEN: it ends its streams, and the consumer must stop trusting its cache.
      await t.db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
      );
      await eventually(
        async () => (await consumer.get('/me', token)).status === 401,
        'the consumer to empty its cache',
      );
      await eventually(live, 'the consumer to reconnect');
    },
  );
});
