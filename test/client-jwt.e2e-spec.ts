import { decodeJwt, decodeProtectedHeader } from 'jose';
import { jwtRotateCommand } from '../src/tokens/jwt-rotate.command';
import { startConsumer } from './support/consumer';
import { eventually } from './support/eventually';
import { bearer, createUser, loginToken } from './support/factories';
import { freePort } from './support/free-port';
import { startApp, TestApp } from './support/test-app';

// A consuming service that verifies the server's JWTs itself (the client module's `jwt` option),
// in its own process, against a server listening on a loopback port.
const SERVICE_KEY = 'service-key-of-the-jwt-consumer-in-this-test-1';
const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'https://api.example.test';
const SERVER = { PUBLIC_URL: ISSUER, JWT_AUDIENCE: AUDIENCE, SERVICE_KEYS: SERVICE_KEY };
const JWT_MODE = { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE };
const onPostgres = !!process.env.DATABASE_URL;

type Consumer = Awaited<ReturnType<typeof startConsumer>>;

async function mint(t: TestApp, token: string): Promise<string> {
  const res = await t.http.post('/token/jwt').set(bearer(token)).expect(200);
  return res.body.jwt as string;
}

const status = async (c: Consumer, path: string, token?: string) =>
  (await c.get(path, token)).status;

/** Waits until the consumer answers 401 for the token; how long that took after `since`. */
async function refusedAfter(c: Consumer, jwt: string, since: number): Promise<number> {
  await eventually(async () => (await status(c, '/me', jwt)) === 401, 'the consumer to refuse');
  return Date.now() - since;
}

describe('a consumer that verifies JWTs itself, without a service key', () => {
  let t: TestApp;
  let consumer: Consumer;
  let authPort: number;

  beforeAll(async () => {
    t = await startApp(SERVER);
    authPort = await freePort();
    await t.app.listen(authPort, '127.0.0.1');
    consumer = await startConsumer(authPort, JWT_MODE);
  }, 240_000);

  afterAll(async () => {
    consumer?.kill();
    await t?.destroy();
  });

  it('lets a JWT through with the user of its claims, and still takes session tokens', async () => {
    const u = await createUser(t, { role: 'admin' });
    const token = await loginToken(t, u.email);
    const jwt = await mint(t, token);
    const res = await consumer.get('/me', jwt);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: String(u.id),
      email: u.email,
      role: 'admin',
      sessionId: decodeJwt(jwt).sid,
      aal: 1,
    });
    expect(await status(consumer, '/admin/reports', jwt)).toBe(200);
    expect(await status(consumer, '/me', token)).toBe(200);
  });

  it('refuses a tampered JWT, one of another audience, and garbage in JWT form', async () => {
    const u = await createUser(t);
    const jwt = await mint(t, await loginToken(t, u.email));
    const [h, p, s] = jwt.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const promoted = Buffer.from(JSON.stringify({ ...claims, role: 'root' })).toString('base64url');
    expect(await status(consumer, '/me', `${h}.${promoted}.${s}`)).toBe(401);
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    expect(await status(consumer, '/me', `${h}.${p}.${flipped}`)).toBe(401);
    expect(await status(consumer, '/me', 'aaa.bbb.ccc')).toBe(401);

    const elsewhere = await startConsumer(authPort, { ...JWT_MODE, JWT_AUDIENCE: 'https://other' });
    try {
      const res = await elsewhere.get('/me', jwt);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'invalid_token' });
    } finally {
      elsewhere.kill();
    }
  });

  it('fetches the keys again for a JWT signed by a key it has not seen (rotation)', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    const old = await mint(t, token);
    expect(await status(consumer, '/me', old)).toBe(200);
    expect(await jwtRotateCommand(t.app, { write: () => true } as never)).toBe(0);
    const fresh = await mint(t, token);
    expect(decodeProtectedHeader(fresh).kid).not.toBe(decodeProtectedHeader(old).kid);
    // The key set is fetched again at most once a second, whatever kids tokens name.
    await eventually(async () => (await status(consumer, '/me', fresh)) === 200, 'the new key');
    expect(await status(consumer, '/me', old)).toBe(200);
  });

  it('keeps a JWT good until it expires after its session ended, when nothing tells it', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    const jwt = await mint(t, token);
    await t.http.post('/logout').set(bearer(token)).expect(204);
    // The trade-off the docs state: without the event stream, only the JWT's expiry ends it.
    expect(await status(consumer, '/me', jwt)).toBe(200);
    expect(await status(consumer, '/me', token)).toBe(401);
  });

  it('checks a JWT with no request to the server once it has the keys', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    const seen = await mint(t, token);
    const unseen = await mint(t, token);
    expect(await status(consumer, '/me', seen)).toBe(200);
    await t.close();
    expect(await status(consumer, '/me', seen)).toBe(200);
    // Not cached, but the keys are: verified offline too.
    expect(await status(consumer, '/me', unseen)).toBe(200);
    // A session token needs the server: 503, not 401.
    expect(await status(consumer, '/me', token)).toBe(503);
  });
});

describe('a consumer that verifies JWTs itself, with a service key', () => {
  let t: TestApp;
  let consumer: Consumer;
  let authPort: number;
  const live = async () =>
    ((await (await consumer.get('/cache')).json()) as { live: boolean }).live;

  beforeAll(async () => {
    t = await startApp(SERVER);
    authPort = await freePort();
    await t.app.listen(authPort, '127.0.0.1');
    consumer = await startConsumer(authPort, { ...JWT_MODE, SERVICE_KEY });
    await eventually(live, 'the consumer to follow the event stream');
  }, 240_000);

  afterAll(async () => {
    consumer?.kill();
    await t?.destroy();
  });

  it('refuses every JWT of a session within a second of its logout', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    const first = await mint(t, token);
    const second = await mint(t, token);
    const otherSession = await mint(t, await loginToken(t, u.email));
    for (const jwt of [first, second, otherSession]) {
      expect(await status(consumer, '/me', jwt)).toBe(200);
    }
    const loggedOut = Date.now();
    await t.http.post('/logout').set(bearer(token)).expect(204);
    expect(await refusedAfter(consumer, first, loggedOut)).toBeLessThan(1000);
    expect(await status(consumer, '/me', second)).toBe(401);
    expect(await status(consumer, '/me', otherSession)).toBe(200);
  });

  it('refuses the JWTs of a blocked user', async () => {
    const u = await createUser(t);
    const jwt = await mint(t, await loginToken(t, u.email));
    expect(await status(consumer, '/me', jwt)).toBe(200);
    const root = await createUser(t, { role: 'root' });
    await t.http
      .put('/users/status/change')
      .set(bearer(await loginToken(t, root.email)))
      .send({ user_id: Number(u.id), is_active: false })
      .expect(200);
    await refusedAfter(consumer, jwt, Date.now());
  });

  it('answers 503 while the stream is down, then trusts only JWTs minted after it came back', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    const before = await mint(t, token);
    expect(await status(consumer, '/me', before)).toBe(200);

    const { database, mail } = t;
    await t.close();
    await eventually(async () => !(await live()), 'the consumer to see the stream drop');
    const down = await consumer.get('/me', before);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ code: 'auth_unavailable' });

    // `iat` counts whole seconds, so the consumer still trusts a JWT whose `iat` is within a
    // second of its reconnection. The server comes back only after that second has passed for
    // `before`, whatever the restart takes.
    const trustedUntil = ((decodeJwt(before).iat ?? 0) + 1) * 1000 + 100;
    await new Promise((r) => setTimeout(r, Math.max(0, trustedUntil - Date.now())));
    t = await startApp(SERVER, { database, mail });
    await t.app.listen(authPort, '127.0.0.1');
    await eventually(live, 'the consumer to reconnect');
    // A session ended while it was away would have gone unheard: the app mints a new JWT.
    expect(await status(consumer, '/me', before)).toBe(401);
    expect(await status(consumer, '/me', await mint(t, token))).toBe(200);
  });
});

// Two apps cannot open one embedded database folder; on PostgreSQL they share the database.
(onPostgres ? describe : describe.skip)('a JWT consumer and two server instances', () => {
  let a: TestApp;
  let b: TestApp;
  let consumer: Consumer;

  beforeAll(async () => {
    a = await startApp(SERVER);
    b = await startApp(SERVER, { database: a.database, mail: a.mail });
    const port = await freePort();
    await a.app.listen(port, '127.0.0.1');
    consumer = await startConsumer(port, { ...JWT_MODE, SERVICE_KEY });
    await eventually(
      async () => ((await (await consumer.get('/cache')).json()) as { live: boolean }).live,
      'the consumer to follow the event stream',
    );
  }, 240_000);

  afterAll(async () => {
    consumer?.kill();
    await b?.close();
    await a?.destroy();
  });

  it('refuses a JWT within a second of a logout made on the other instance', async () => {
    const u = await createUser(a);
    const token = await loginToken(a, u.email);
    const jwt = await mint(a, token);
    expect(await status(consumer, '/me', jwt)).toBe(200);
    const loggedOut = Date.now();
    await b.http.post('/logout').set(bearer(token)).expect(204);
    expect(await refusedAfter(consumer, jwt, loggedOut)).toBeLessThan(1000);
  });
});
