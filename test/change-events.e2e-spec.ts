import { RateLimitService } from '../src/common/rate-limit/rate-limit.service';
import { bearer, createUser, GOOD_PASSWORD, loginToken, uniqueEmail } from './support/factories';
import { codeOf, nthMailTo } from './support/mail-helpers';
import { freePort } from './support/free-port';
import { SseEvent, SseReader } from './support/sse';
import { startApp, TestApp } from './support/test-app';

const KEY = 'service-key-for-the-change-events-test-0001';
const onPostgres = !!process.env.DATABASE_URL;

async function listen(t: TestApp): Promise<string> {
  const port = await freePort();
  await t.app.listen(port, '127.0.0.1');
  return `http://127.0.0.1:${port}/events/sessions`;
}

const revokeOf = (sessionId: string) => (e: SseEvent) =>
  e.event === 'revoke' && e.data.session_id === sessionId;
const userEventOf = (userId: string) => (e: SseEvent) =>
  e.event === 'user' && e.data.user_id === Number(userId);

async function sessionIdOf(t: TestApp, token: string): Promise<string> {
  const res = await t.http.get('/validate_token').set(bearer(token)).expect(200);
  return res.body.session.id as string;
}

describe('change events: GET /events/sessions', () => {
  let t: TestApp;
  let url: string;
  let stream: SseReader;
  let adminToken: string;

  beforeAll(async () => {
    t = await startApp({ SERVICE_KEYS: KEY });
    url = await listen(t);
    const admin = await createUser(t, { role: 'root' });
    adminToken = await loginToken(t, admin.email);
    stream = await SseReader.open(url, KEY);
  });
  afterAll(async () => {
    stream?.close();
    await t?.destroy();
  });

  it('refuses a caller without a service key, or with a session token', async () => {
    const none = await SseReader.open(url);
    expect(none.res.statusCode).toBe(401);
    const token = await loginToken(t, (await createUser(t)).email);
    const session = await SseReader.open(url, token);
    expect(session.res.statusCode).toBe(401);
    const wrong = await SseReader.open(url, `${KEY}x`);
    expect(wrong.res.statusCode).toBe(401);
    for (const s of [none, session, wrong]) expect(s.res.headers['cache-control']).toBe('no-store');
    [none, session, wrong].forEach((s) => s.close());
  });

  it('starts with reset, unbuffered for proxies and never cached', async () => {
    expect(stream.res.statusCode).toBe(200);
    expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.res.headers['x-accel-buffering']).toBe('no');
    expect(stream.res.headers['cache-control']).toBe('no-store');
    expect(stream.events[0]).toEqual({ event: 'reset', data: {} });
  });

  it('sends revoke for a logout, a revoked session and each session of a logout-all', async () => {
    const u = await createUser(t);
    const [a, b, c, d] = [
      await loginToken(t, u.email),
      await loginToken(t, u.email),
      await loginToken(t, u.email),
      await loginToken(t, u.email),
    ];
    const [sa, sb, sc, sd] = await Promise.all([a, b, c, d].map((x) => sessionIdOf(t, x)));
    await t.http.post('/logout').set(bearer(a)).expect(204);
    expect((await stream.waitFor(revokeOf(sa))).data).toEqual({
      session_id: sa,
      user_id: Number(u.id),
    });
    await t.http.delete(`/sessions/${sb}`).set(bearer(c)).expect(204);
    await stream.waitFor(revokeOf(sb));
    await t.http.post('/logout/all').set(bearer(c)).expect(204);
    await stream.waitFor(revokeOf(sc));
    await stream.waitFor(revokeOf(sd));
  });

  it('sends revoke and user for a password change, keeping the calling session', async () => {
    const u = await createUser(t);
    const keep = await loginToken(t, u.email);
    const other = await loginToken(t, u.email);
    const from = stream.events.length;
    const otherId = await sessionIdOf(t, other);
    await t.http
      .put('/password')
      .set(bearer(keep))
      .send({ current_password: GOOD_PASSWORD, new_password: 'another long enough passphrase' })
      .expect(204);
    await stream.waitFor(revokeOf(otherId), { from });
    await stream.waitFor(userEventOf(u.id), { from });
    const keptId = await sessionIdOf(t, keep);
    expect(stream.events.some(revokeOf(keptId))).toBe(false);
  });

  it('sends user and revoke for a block, user for an unblock and for a role change', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    const sid = await sessionIdOf(t, token);
    const admin = (path: string, body: object) =>
      t.http.put(path).set(bearer(adminToken)).send(body).expect(200);
    let from = stream.events.length;
    await admin('/users/status/change', { user_id: Number(u.id), is_active: false });
    await stream.waitFor(userEventOf(u.id), { from });
    await stream.waitFor(revokeOf(sid), { from });
    from = stream.events.length;
    await admin('/users/status/change', { user_id: Number(u.id), is_active: true });
    await stream.waitFor(userEventOf(u.id), { from });
    from = stream.events.length;
    await admin(`/users/${u.id}`, { role: 'admin' });
    await stream.waitFor(userEventOf(u.id), { from });
    from = stream.events.length;
    await admin(`/users/${u.id}`, { email: uniqueEmail('moved') });
    await stream.waitFor(userEventOf(u.id), { from });
  });

  it('sends user for a confirmation, and user and revoke for a password reset', async () => {
    const email = uniqueEmail('reset');
    await t.http.post('/register').send({ email, password: GOOD_PASSWORD }).expect(202);
    const confirm = codeOf(await nthMailTo(t.mail, email, 1));
    let from = stream.events.length;
    const confirmed = await t.http.post('/register/confirm').send({ email, code: confirm });
    expect(confirmed.status).toBe(200);
    const userId = String(confirmed.body.id);
    await stream.waitFor(userEventOf(userId), { from });

    const token = await loginToken(t, email);
    const sid = await sessionIdOf(t, token);
    // The resend cooldown also covers the reset mail: lift it as the registration tests do.
    await t.app.get(RateLimitService).reset(`mail-cooldown:${email}`);
    await t.http.post('/password/forgot').send({ email }).expect(202);
    const code = codeOf(await nthMailTo(t.mail, email, 2));
    from = stream.events.length;
    await t.http
      .post('/password/reset')
      .send({ email, code, new_password: 'a brand new long passphrase' })
      .expect(200);
    await stream.waitFor(revokeOf(sid), { from });
    await stream.waitFor(userEventOf(userId), { from });
  });

  it('sends revoke for every session and user for a deletion (DELETE /me)', async () => {
    const u = await createUser(t);
    const tokens = [await loginToken(t, u.email), await loginToken(t, u.email)];
    const sids = await Promise.all(tokens.map((x) => sessionIdOf(t, x)));
    const from = stream.events.length;
    await t.http.delete('/me').set(bearer(tokens[0])).send({ password: GOOD_PASSWORD }).expect(204);
    for (const sid of sids) await stream.waitFor(revokeOf(sid), { from });
    await stream.waitFor(userEventOf(u.id), { from });
  });

  it('sends user when the user confirms their new address (PUT /me/email)', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    const newEmail = uniqueEmail('moved-self');
    await t.http
      .put('/me/email')
      .set(bearer(token))
      .send({ email: newEmail, password: GOOD_PASSWORD })
      .expect(202);
    const code = codeOf(await nthMailTo(t.mail, newEmail));
    const from = stream.events.length;
    await t.http.post('/me/email/confirm').set(bearer(token)).send({ code }).expect(200);
    await stream.waitFor(userEventOf(u.id), { from });
  });

  it('publishes nothing when nothing ended', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    const sid = await sessionIdOf(t, token);
    const other = await loginToken(t, (await createUser(t)).email);
    const otherSid = await sessionIdOf(t, other);
    await t.http.post('/logout').set(bearer(token)).expect(204);
    await stream.waitFor(revokeOf(sid));
    // Someone else's session, and one already over: 404, and no event.
    await t.http.delete(`/sessions/${otherSid}`).set(bearer(adminToken)).expect(404);
    await t.http.delete(`/sessions/${sid}`).set(bearer(other)).expect(404);
    await t.http.post('/logout').set(bearer(other)).expect(204);
    await stream.waitFor(revokeOf(otherSid));
    const between = stream.events.slice(stream.events.findIndex(revokeOf(sid)) + 1);
    expect(between.map((e) => e.data.session_id)).toEqual([otherSid]);
  });
});

describe('change events with SESSION_POLICY=single', () => {
  it('sends revoke for the sessions a new login ends', async () => {
    const t = await startApp({ SERVICE_KEYS: KEY, SESSION_POLICY: 'single' });
    try {
      const stream = await SseReader.open(await listen(t), KEY);
      const u = await createUser(t);
      const first = await loginToken(t, u.email);
      const sid = await sessionIdOf(t, first);
      await loginToken(t, u.email);
      await stream.waitFor(revokeOf(sid));
      stream.close();
    } finally {
      await t.destroy();
    }
  });
});

(onPostgres ? describe : describe.skip)('change events across instances (PostgreSQL)', () => {
  it('streams a logout made on another instance, and ends streams when LISTEN is lost', async () => {
    const a = await startApp({ SERVICE_KEYS: KEY });
    const b = await startApp({ SERVICE_KEYS: KEY }, { database: a.database, mail: a.mail });
    try {
      const url = await listen(a);
      const stream = await SseReader.open(url, KEY);
      const u = await createUser(b);
      const token = await loginToken(b, u.email);
      const sid = await sessionIdOf(b, token);
      await b.http.post('/logout').set(bearer(token)).expect(204);
      await stream.waitFor(revokeOf(sid));
      await b.http
        .put(`/users/status/change`)
        .set(bearer(await loginToken(b, (await createUser(b, { role: 'root' })).email)))
        .send({ user_id: Number(u.id), is_active: false })
        .expect(200);
      await stream.waitFor(userEventOf(u.id));

      // Kill a's LISTEN connection: its stream ends (nobody may trust a cache now), and a new
      // stream opens, starting with reset, once a has reconnected by itself.
      await b.db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
      );
      await stream.waitClosed();
      let again = await SseReader.open(url, KEY);
      while (again.res.statusCode === 503) {
        again.close();
        await new Promise((r) => setTimeout(r, 50));
        again = await SseReader.open(url, KEY);
      }
      expect(again.res.statusCode).toBe(200);
      await again.waitFor((e) => e.event === 'reset');
      const token2 = await loginToken(b, (await createUser(b)).email);
      const sid2 = await sessionIdOf(b, token2);
      await b.http.post('/logout').set(bearer(token2)).expect(204);
      await again.waitFor(revokeOf(sid2));
      again.close();
    } finally {
      await b.close();
      await a.destroy();
    }
  });
});
