import { AuditService } from '../src/audit/audit.service';
import { MetricsService } from '../src/metrics/metrics.service';
import { BlockExpiryService } from '../src/users/block-expiry.service';
import { WebhookDeliveryWorker } from '../src/webhooks/webhook-delivery.worker';
import { WEBHOOK_EVENT_TYPES } from '../src/webhooks/webhook-events';
import { eventually } from './support/eventually';
import { bearer, createUser, GOOD_PASSWORD, loginToken, uniqueEmail } from './support/factories';
import { codeOf, mailTo } from './support/mail-helpers';
import { controlClock, enableTotp, totpCode } from './support/mfa';
import { addPasskey } from './support/passkeys';
import { startApp, TestApp } from './support/test-app';
import { Received, verifies, WebhookReceiver } from './support/webhook-receiver';

const NEW_PASSWORD = 'seven lanterns glow over harbour';
const PASSKEY_ORIGIN = 'https://auth.example.test';
const onPostgres = !!process.env.DATABASE_URL;

/** Loopback receivers need both switches; retries come quickly so the tests see several. */
const LOCAL = {
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_SCHEDULE: '300ms,300ms,300ms',
  WEBHOOK_TIMEOUT: '1s',
};

async function rootToken(t: TestApp): Promise<string> {
  const root = await createUser(t, { role: 'root' });
  return loginToken(t, root.email);
}

async function addEndpoint(
  t: TestApp,
  token: string,
  url: string,
  events: string[] = ['*'],
): Promise<{ id: string; secret: string }> {
  const res = await t.http.post('/webhooks').set(bearer(token)).send({ url, events });
  if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; secret: string };
}

async function deliveries(t: TestApp, token: string, id: string, query = '') {
  const res = await t.http.get(`/webhooks/${id}/deliveries${query}`).set(bearer(token)).expect(200);
  return res.body as {
    deliveries: Array<{
      id: string;
      event_id: string;
      event_type: string;
      status: string;
      attempts: number;
      last_status: number | null;
      last_error: string | null;
    }>;
    total_count: number;
  };
}

/** A 2xx answer; anything else fails the test with the answer's body. */
function succeeded(res: { status: number; body: unknown }): void {
  if (res.status >= 300) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
}

/** Each type received, and every request verified by standardwebhooks with `secret`. */
function typesOf(received: Received[], secret: string): Set<string> {
  for (const r of received) expect(verifies(r, secret)).toBe(true);
  return new Set(received.map((r) => r.json.type));
}

describe('Webhooks', () => {
  let t: TestApp;
  let root: string;
  const receivers: WebhookReceiver[] = [];
  const receiver = async () => {
    const r = await new WebhookReceiver().start();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    // One address gets several mails in a row in the first test.
    // PUBLIC_URL is the passkeys' relying party.
    t = await startApp({ ...LOCAL, RESEND_COOLDOWN: '1s', PUBLIC_URL: PASSKEY_ORIGIN });
    root = await rootToken(t);
  });
  afterEach(async () => {
    // Each test's endpoints receive only that test's events.
    await t.db.query('DELETE FROM webhook_endpoints');
    for (const r of receivers.splice(0)) await r.stop();
  });
  afterAll(() => t.destroy());

  it('reports every kind of change, each signed so that standardwebhooks verifies it', async () => {
    const rx = await receiver();
    const hook = await addEndpoint(t, root, rx.url);
    const clock = controlClock(t);

    // Sign-up, confirmation, sign-in.
    const email = uniqueEmail('hooked');
    await t.http.post('/register').send({ email, password: GOOD_PASSWORD }).expect(succeeded);
    const code = codeOf(await mailTo(t.mail, email, /Confirm your email/));
    await t.http.post('/register/confirm').send({ email, code }).expect(succeeded);
    let token = await loginToken(t, email);
    const me = (await t.http.get('/me').set(bearer(token)).expect(succeeded)).body as {
      id: number;
    };

    // Profile by the user and by an admin, then the second factor on and off.
    await t.http.put('/me').set(bearer(token)).send({ name: 'Ada' }).expect(succeeded);
    await t.http.put(`/users/${me.id}`).set(bearer(root)).send({ surname: 'L' }).expect(succeeded);
    const { secret } = await enableTotp(t, token, clock.now());
    clock.advance(30_000);
    await t.http
      .delete('/mfa/totp')
      .set(bearer(token))
      .send({ password: GOOD_PASSWORD, code: totpCode(secret, clock.now()) })
      .expect(succeeded);
    clock.advance(30_000);
    await enableTotp(t, token, clock.now());
    await t.http.delete(`/users/${me.id}/mfa`).set(bearer(root)).expect(succeeded);
    // The admin's reset ended every session of the user.
    token = await loginToken(t, email);

    // Password change (ends the other sessions), a revoked session, logout-all, logout.
    const other = await loginToken(t, email);
    await t.http
      .put('/password')
      .set(bearer(token))
      .send({ current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD })
      .expect(succeeded);
    const extra = await loginToken(t, email, NEW_PASSWORD);
    const sessions = (await t.http.get('/sessions').set(bearer(token)).expect(succeeded)).body as {
      sessions: Array<{ id: string; current: boolean }>;
    };
    const extraId = sessions.sessions.find((s) => !s.current)!.id;
    await t.http.delete(`/sessions/${extraId}`).set(bearer(token)).expect(succeeded);
    const leaving = await loginToken(t, email, NEW_PASSWORD);
    await t.http.post('/logout').set(bearer(leaving)).expect(succeeded);
    await loginToken(t, email, NEW_PASSWORD);
    await t.http.post('/logout/all').set(bearer(token)).expect(succeeded);
    void other;
    void extra;

    // Email change, block and unblock, password reset, deletion.
    token = await loginToken(t, email, NEW_PASSWORD);
    // A passkey added, then removed.
    const passkey = await addPasskey(t, token, { password: NEW_PASSWORD });
    await t.http
      .delete(`/me/passkeys/${passkey.id}`)
      .set(bearer(token))
      .send({ password: NEW_PASSWORD })
      .expect(succeeded);
    const newEmail = uniqueEmail('moved');
    await t.http
      .put('/me/email')
      .set(bearer(token))
      .send({ email: newEmail, password: NEW_PASSWORD })
      .expect(succeeded);
    const changeCode = codeOf(await mailTo(t.mail, newEmail, /Confirm your new email/));
    await t.http
      .post('/me/email/confirm')
      .set(bearer(token))
      .send({ code: changeCode })
      .expect(succeeded);
    await t.http
      .put('/users/status/change')
      .set(bearer(root))
      .send({ user_id: me.id, is_active: false })
      .expect(succeeded);
    await t.http
      .put('/users/status/change')
      .set(bearer(root))
      .send({ user_id: me.id, is_active: true })
      .expect(succeeded);
    await new Promise((r) => setTimeout(r, 1100)); // RESEND_COOLDOWN after the change's mail
    await t.http.post('/password/forgot').send({ email: newEmail }).expect(succeeded);
    const resetCode = codeOf(await mailTo(t.mail, newEmail, /Reset your/));
    await t.http
      .post('/password/reset')
      .send({ email: newEmail, code: resetCode, new_password: GOOD_PASSWORD })
      .expect(succeeded);
    token = await loginToken(t, newEmail);
    await t.http
      .delete('/me')
      .set(bearer(token))
      .send({ password: GOOD_PASSWORD })
      .expect(succeeded);

    // An admin adds a user; the test event.
    await t.http
      .post('/users/add')
      .set(bearer(root))
      .send({ email: uniqueEmail('added') })
      .expect(succeeded);
    await t.http.post(`/webhooks/${hook.id}/test`).set(bearer(root)).expect(succeeded);

    const expected = WEBHOOK_EVENT_TYPES;
    await eventually(
      async () => expected.every((type) => rx.ofType(type).length > 0),
      `every event type (missing: ${expected.filter((x) => !rx.ofType(x).length).join(', ')})`,
    );
    expect([...typesOf(rx.received, hook.secret)].sort()).toEqual([...expected].sort());

    // The body: {type, timestamp, data}, the user as the API shows it, never a secret.
    for (const r of rx.received) {
      expect(Object.keys(r.json).sort()).toEqual(['data', 'timestamp', 'type']);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.json.data.audit_id).toMatch(/^\d+$/);
      expect(r.body).not.toMatch(/password_hash|\$2[aby]\$|whsec_/);
    }
    const created = rx.ofType('user.created').find((r) => r.json.data.user_id === me.id)!;
    expect(created.json.data).toMatchObject({
      actor: { type: 'user' },
      user: { id: me.id, email, is_confirmed: false },
    });
    expect(
      rx.ofType('user.updated').map((r) => (r.json.data.actor as { type: string }).type),
    ).toEqual(expect.arrayContaining(['user', 'admin']));
    const login = rx.ofType('session.created')[0];
    expect(login.json.data.session_id).toEqual(expect.any(String));
    const revokedOne = rx
      .ofType('session.revoked')
      .find((r) => (r.json.data.session_ids as string[]).includes(extraId));
    expect(revokedOne).toBeDefined();
    // The block ended the user's sessions: reported with their ids beside user.blocked.
    const blocked = rx.ofType('user.blocked')[0];
    expect(blocked.json.data).toMatchObject({
      actor: { type: 'admin' },
      user: { is_active: false },
    });
    expect(rx.ofType('user.passkey_added')[0].json.data).toMatchObject({
      actor: { type: 'user' },
      user: { id: me.id },
    });
    const deleted = rx.ofType('user.deleted')[0];
    expect(deleted.json.data.user_id).toBe(me.id);
    expect(deleted.json.data.user).toBeUndefined();
    expect(rx.ofType('webhook.test')[0].json.data).toMatchObject({
      webhook_id: hook.id,
      actor: { type: 'user' },
    });
  });

  it('sends only the types an endpoint subscribed to', async () => {
    const all = await receiver();
    const some = await receiver();
    await addEndpoint(t, root, all.url);
    await addEndpoint(t, root, some.url, ['user.blocked']);
    const u = await createUser(t);
    await loginToken(t, u.email);
    await t.http
      .put('/users/status/change')
      .set(bearer(root))
      .send({ user_id: Number(u.id), is_active: false })
      .expect(200);
    await eventually(async () => all.ofType('user.blocked').length === 1, 'the block, to *');
    await eventually(async () => some.received.length === 1, 'the block, to the subscriber');
    expect(some.received[0].json.type).toBe('user.blocked');
    expect(all.ofType('session.revoked')).toHaveLength(1);
  });

  it('reports a block that ended by itself as user.unblocked by the system', async () => {
    const rx = await receiver();
    await addEndpoint(t, root, rx.url, ['user.unblocked']);
    const u = await createUser(t);
    await t.http
      .put('/users/status/change')
      .set(bearer(root))
      .send({
        user_id: Number(u.id),
        is_active: false,
        blocked_until: new Date(Date.now() + 60_000),
      })
      .expect(200);
    await t.db.query(`UPDATE users SET blocked_until = now() - interval '1 second' WHERE id = $1`, [
      u.id,
    ]);
    // What the job does every 30 s, now (if its own run came first, that one reported it).
    await t.app.get(BlockExpiryService).liftExpiredBlocks();
    await eventually(async () => rx.received.length === 1, 'the unblock');
    expect(rx.received[0].json.data).toMatchObject({
      actor: { type: 'system' },
      user: { id: Number(u.id), is_active: true },
    });
  });

  it('writes no event for a change that rolls back', async () => {
    const rx = await receiver();
    const hook = await addEndpoint(t, root, rx.url);
    const u = await createUser(t);
    const audit = t.app.get(AuditService);
    await expect(
      t.db.transaction(async (m) => {
        await audit.record({ action: 'user_block', outcome: 'success', target: { id: u.id } }, m);
        throw new Error('the change failed after its audit record');
      }),
    ).rejects.toThrow('the change failed');
    await t.http.post(`/webhooks/${hook.id}/test`).set(bearer(root)).expect(202);
    await eventually(async () => rx.received.length >= 1, 'the test event');
    expect(rx.received.map((r) => r.json.type)).toEqual(['webhook.test']);
    expect((await deliveries(t, root, hook.id)).total_count).toBe(1);
  });

  it('retries a failed attempt with the same webhook-id until it is delivered', async () => {
    const rx = await receiver();
    let calls = 0;
    rx.answer = () => (++calls < 3 ? { status: 500 } : { status: 200 });
    const hook = await addEndpoint(t, root, rx.url);
    await t.http.post(`/webhooks/${hook.id}/test`).set(bearer(root)).expect(202);
    await eventually(async () => rx.received.length === 3, 'three attempts');
    expect(new Set(rx.received.map((r) => r.id)).size).toBe(1);
    for (const r of rx.received) expect(verifies(r, hook.secret)).toBe(true);
    // Each attempt is signed for its own moment; the body is the same.
    expect(new Set(rx.received.map((r) => r.body)).size).toBe(1);
    await eventually(async () => {
      const [d] = (await deliveries(t, root, hook.id)).deliveries;
      return d.status === 'delivered' && d;
    }, 'the delivery marked delivered').then((d) => {
      expect(d).toMatchObject({ attempts: 3, last_status: 200, event_id: rx.received[0].id });
    });
    await new Promise((r) => setTimeout(r, 800));
    expect(rx.received).toHaveLength(3);
  });

  it('fails a delivery after the last retry, and a manual retry delivers it', async () => {
    const rx = await receiver();
    rx.answer = () => ({ status: 503 });
    const hook = await addEndpoint(t, root, rx.url);
    await t.http.post(`/webhooks/${hook.id}/test`).set(bearer(root)).expect(202);
    const endpointRow = () =>
      t.db.query(
        `SELECT xmin::text AS version, failing_since FROM webhook_endpoints WHERE id = $1`,
        [hook.id],
      );
    await eventually(
      async () => (await deliveries(t, root, hook.id)).deliveries[0]?.last_status === 503,
      'the first failure',
    );
    const failingFromFirst = await endpointRow();
    expect(failingFromFirst[0].failing_since).not.toBeNull();
    const failed = await eventually(async () => {
      const list = await deliveries(t, root, hook.id, '?status=failed');
      return list.total_count === 1 && list.deliveries[0];
    }, 'the delivery failed');
    // The first attempt and the three retries of the schedule.
    expect(failed).toMatchObject({ attempts: 4, last_status: 503, last_error: 'HTTP 503' });
    // Only the first failure wrote the endpoint's row (no new row version per failed attempt).
    expect(await endpointRow()).toEqual(failingFromFirst);
    expect((await deliveries(t, root, hook.id, '?status=pending')).total_count).toBe(0);

    rx.answer = () => ({ status: 204 });
    await t.http
      .post(`/webhooks/${hook.id}/deliveries/${failed.id}/retry`)
      .set(bearer(root))
      .expect(202);
    await eventually(
      async () => (await deliveries(t, root, hook.id, '?status=delivered')).total_count === 1,
      'delivered after the retry',
    );
    expect(rx.received).toHaveLength(5);
    await t.http
      .post(`/webhooks/${hook.id}/deliveries/${failed.id}/retry`)
      .set(bearer(root))
      .expect(409);
    await t.http.post(`/webhooks/${hook.id}/deliveries/999999/retry`).set(bearer(root)).expect(404);
  });

  it('waits as long as Retry-After says', async () => {
    const rx = await receiver();
    rx.answer = () =>
      rx.received.length === 1 ? { status: 429, headers: { 'Retry-After': '2' } } : { status: 200 };
    const hook = await addEndpoint(t, root, rx.url);
    await t.http.post(`/webhooks/${hook.id}/test`).set(bearer(root)).expect(202);
    await eventually(async () => rx.received.length === 2, 'the retry');
    // The schedule says 300 ms; the receiver asked for 2 s.
    expect(rx.received[1].at - rx.received[0].at).toBeGreaterThanOrEqual(1900);
  });

  it('paces its attempts while the instance is busy with requests, and sends the rest once it is not', async () => {
    const worker = t.app.get(WebhookDeliveryWorker);
    const rx = await receiver();
    const hook = await addEndpoint(t, root, rx.url);
    // RequestLoad's judgement has its own spec; here the instance is told it is busy.
    const busy = jest.spyOn(t.app.get(MetricsService).load, 'busy').mockReturnValue(true);
    const rate = worker.options.busyRatePerSecond;
    worker.options.busyRatePerSecond = 10;
    try {
      await Promise.all(
        Array.from({ length: 12 }, () =>
          t.http.post(`/webhooks/${hook.id}/test`).set(bearer(root)).expect(202),
        ),
      );
      await eventually(async () => rx.received.length >= 6, 'six attempts');
      // One attempt, then one per 100 ms: the sixth comes half a second after the first at least
      // (unpaced, they come as fast as the twelve events are written).
      expect(rx.received[5].at - rx.received[0].at).toBeGreaterThanOrEqual(400);
      busy.mockReturnValue(false);
      await eventually(async () => rx.received.length === 12, 'the rest once no longer busy');
    } finally {
      busy.mockRestore();
      worker.options.busyRatePerSecond = rate;
    }
  });

  it('disables an endpoint that answers 410 Gone, with an audit record', async () => {
    const rx = await receiver();
    rx.answer = () => ({ status: 410 });
    const hook = await addEndpoint(t, root, rx.url);
    await t.http.post(`/webhooks/${hook.id}/test`).set(bearer(root)).expect(202);
    await eventually(async () => {
      const res = await t.http.get(`/webhooks/${hook.id}`).set(bearer(root)).expect(200);
      return res.body.enabled === false && res.body;
    }, 'the endpoint disabled').then((b) => expect(b.disabled_reason).toBe('gone'));
    const [d] = (await deliveries(t, root, hook.id)).deliveries;
    expect(d).toMatchObject({ status: 'failed', attempts: 1, last_status: 410 });
    const records = await t.db.query(
      `SELECT details FROM audit_log WHERE action = 'webhook_disable' AND details->>'webhook_id' = $1`,
      [hook.id],
    );
    expect(records).toHaveLength(1);
    expect(records[0].details).toMatchObject({ reason: 'gone' });
  });

  it('disables an endpoint after 5 days of nothing but failures', async () => {
    const rx = await receiver();
    rx.answer = () => ({ status: 500 });
    const hook = await addEndpoint(t, root, rx.url);
    // Failing since 5 days and a minute, as if the earlier failures had happened.
    await t.db.query(
      `UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1`,
      [hook.id],
    );
    await t.http.post(`/webhooks/${hook.id}/test`).set(bearer(root)).expect(202);
    await eventually(async () => {
      const res = await t.http.get(`/webhooks/${hook.id}`).set(bearer(root)).expect(200);
      return res.body.enabled === false && res.body;
    }, 'the endpoint disabled').then((b) => expect(b.disabled_reason).toBe('failing'));
    const records = await t.db.query(
      `SELECT details FROM audit_log WHERE action = 'webhook_disable' AND details->>'webhook_id' = $1`,
      [hook.id],
    );
    expect(records[0].details).toMatchObject({ reason: 'failing' });
    // Disabled: the pending delivery waits, it is not attempted again.
    const seen = rx.received.length;
    await new Promise((r) => setTimeout(r, 800));
    expect(rx.received).toHaveLength(seen);
    const [d] = (await deliveries(t, root, hook.id)).deliveries;
    expect(d.status).toBe('pending');
    // Enabled again by hand: delivered once the receiver works.
    rx.answer = () => ({ status: 200 });
    await t.http
      .patch(`/webhooks/${hook.id}`)
      .set(bearer(root))
      .send({ enabled: true })
      .expect(200);
    await eventually(
      async () => (await deliveries(t, root, hook.id, '?status=delivered')).total_count === 1,
      'delivered after enabling',
    );
  });

  it('signs with both secrets for a day after a rotation', async () => {
    const rx = await receiver();
    const hook = await addEndpoint(t, root, rx.url);
    const rotated = await t.http
      .post(`/webhooks/${hook.id}/rotate-secret`)
      .set(bearer(root))
      .expect(200);
    const secret = rotated.body.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secret).not.toBe(hook.secret);
    await t.http.post(`/webhooks/${hook.id}/test`).set(bearer(root)).expect(202);
    await eventually(async () => rx.received.length === 1, 'the test event');
    const [r] = rx.received;
    expect(r.signature.split(' ')).toHaveLength(2);
    for (const part of r.signature.split(' ')) expect(part).toMatch(/^v1,/);
    expect(verifies(r, secret)).toBe(true);
    expect(verifies(r, hook.secret)).toBe(true);
    expect(verifies(r, `whsec_${Buffer.alloc(32, 7).toString('base64')}`)).toBe(false);

    // After the 24 hours, the new secret alone.
    await t.db.query(
      `UPDATE webhook_endpoints SET previous_secret_until = now() - interval '1 second' WHERE id = $1`,
      [hook.id],
    );
    await t.http.post(`/webhooks/${hook.id}/test`).set(bearer(root)).expect(202);
    await eventually(async () => rx.received.length === 2, 'the second test event');
    expect(rx.received[1].signature.split(' ')).toHaveLength(1);
    expect(verifies(rx.received[1], secret)).toBe(true);
    expect(verifies(rx.received[1], hook.secret)).toBe(false);
  });

  it('keeps the secret sealed at rest and out of every answer but creation and rotation', async () => {
    const rx = await receiver();
    const hook = await addEndpoint(t, root, rx.url);
    const [row] = await t.db.query('SELECT secret FROM webhook_endpoints WHERE id = $1', [hook.id]);
    expect(row.secret).not.toContain(hook.secret.slice(6));
    const one = await t.http.get(`/webhooks/${hook.id}`).set(bearer(root)).expect(200);
    const list = await t.http.get('/webhooks').set(bearer(root)).expect(200);
    expect(JSON.stringify([one.body, list.body])).not.toContain('whsec_');
    expect(one.body).toMatchObject({ id: hook.id, url: rx.url, events: ['*'], enabled: true });
  });

  it('lets an admin read endpoints but only a root change them', async () => {
    const rx = await receiver();
    const hook = await addEndpoint(t, root, rx.url);
    const admin = await createUser(t, { role: 'admin' });
    const adminToken = await loginToken(t, admin.email);
    await t.http.get('/webhooks').set(bearer(adminToken)).expect(200);
    await t.http.get(`/webhooks/${hook.id}/deliveries`).set(bearer(adminToken)).expect(200);
    const denied = await t.http
      .post('/webhooks')
      .set(bearer(adminToken))
      .send({ url: rx.url, events: ['*'] });
    expect(denied.status).toBe(403);
    await t.http.delete(`/webhooks/${hook.id}`).set(bearer(adminToken)).expect(403);
    const user = await createUser(t);
    await t.http
      .get('/webhooks')
      .set(bearer(await loginToken(t, user.email)))
      .expect(403);
    await t.http.get('/webhooks/not-a-uuid').set(bearer(root)).expect(404);
    const bad = await t.http
      .post('/webhooks')
      .set(bearer(root))
      .send({ url: rx.url, events: ['user.exploded'] });
    expect(bad.body.code).toBe('validation_failed');
    await t.http.delete(`/webhooks/${hook.id}`).set(bearer(root)).expect(204);
    await t.http.get(`/webhooks/${hook.id}`).set(bearer(root)).expect(404);
    const actions = await t.db.query(
      `SELECT action FROM audit_log WHERE details->>'webhook_id' = $1 ORDER BY id`,
      [hook.id],
    );
    expect(actions.map((a: { action: string }) => a.action)).toEqual([
      'webhook_create',
      'webhook_delete',
    ]);
  });

  it('keeps delivering to a healthy endpoint while another hangs', async () => {
    const slow = await receiver();
    slow.answer = () => 'hang';
    const fast = await receiver();
    await addEndpoint(t, root, slow.url);
    const healthy = await addEndpoint(t, root, fast.url);
    const users = await Promise.all(Array.from({ length: 20 }, () => createUser(t)));
    const started = Date.now();
    for (const u of users) {
      await t.http.put(`/users/${u.id}`).set(bearer(root)).send({ name: 'Renamed' }).expect(200);
    }
    await eventually(
      async () => fast.ofType('user.updated').length === 20,
      'all 20 to the healthy one',
    );
    // Well within one WEBHOOK_TIMEOUT of the hanging receiver per event.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(slow.received.length).toBeGreaterThan(0);
    for (const r of fast.received) expect(verifies(r, healthy.secret)).toBe(true);
  });

  it('delivers what queued while the receiver was down once it is back', async () => {
    const rx = await receiver();
    const port = rx.port;
    await rx.stop();
    const hook = await addEndpoint(t, root, `http://127.0.0.1:${port}/hook`);
    await t.http.post(`/webhooks/${hook.id}/test`).set(bearer(root)).expect(202);
    await eventually(async () => {
      const [d] = (await deliveries(t, root, hook.id)).deliveries;
      return d?.attempts >= 1 && d.last_error !== null && d;
    }, 'a failed attempt').then((d) => expect(d.status).toBe('pending'));
    await rx.start(port);
    await eventually(
      async () => rx.received.length === 1,
      'the delivery after the receiver is back',
    );
    expect(verifies(rx.received[0], hook.secret)).toBe(true);
  });
});

describe('Webhook URL rules (WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE off)', () => {
  let t: TestApp;
  let root: string;

  beforeAll(async () => {
    t = await startApp();
    root = await rootToken(t);
  });
  afterAll(() => t.destroy());

  it.each([
    'http://hooks.example.com/x',
    'https://127.0.0.1/x',
    'https://localhost/x',
    'https://[::1]/x',
    'https://[::ffff:127.0.0.1]/x',
    'https://10.0.0.8/x',
    'https://169.254.169.254/latest',
    'https://100.64.0.1/x',
    'https://user:pw@hooks.example.com/x',
    'ftp://hooks.example.com/x',
    'not a url',
  ])('refuses %s with webhook_url_not_allowed', async (url) => {
    const res = await t.http
      .post('/webhooks')
      .set(bearer(root))
      .send({ url, events: ['*'] });
    expect(res.status).toBe(400);
    expect(['webhook_url_not_allowed', 'validation_failed']).toContain(res.body.code);
    if (!/\s/.test(url)) expect(res.body.code).toBe('webhook_url_not_allowed');
  });

  it('refuses a private address at update too', async () => {
    const [row] = await t.db.query(
      `INSERT INTO webhook_endpoints (id, url, events, secret)
       VALUES (gen_random_uuid(), 'https://8.8.8.8/x', '["*"]', 'x') RETURNING id`,
    );
    const res = await t.http
      .patch(`/webhooks/${row.id}`)
      .set(bearer(root))
      .send({ url: 'https://192.168.1.1/x' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('webhook_url_not_allowed');
  });
});

describe('Webhooks across restarts and instances', () => {
  it('checks the address again at each attempt', async () => {
    const rx = await new WebhookReceiver().start();
    const first = await startApp(LOCAL);
    try {
      const root = await rootToken(first);
      rx.answer = () => ({ status: 503 });
      const hook = await addEndpoint(first, root, rx.url);
      await first.http.post(`/webhooks/${hook.id}/test`).set(bearer(root)).expect(202);
      await eventually(async () => rx.received.length >= 1, 'an attempt');
      await first.close();
      rx.answer = () => ({ status: 200 });
      const seen = rx.received.length;
      // The same endpoint on a server where private addresses are not allowed.
      const second = await startApp(
        { ...LOCAL, WEBHOOK_ALLOW_PRIVATE: 'false' },
        { database: first.database, mail: first.mail },
      );
      try {
        await eventually(async () => {
          const [d] = await second.db.query('SELECT last_error FROM webhook_deliveries');
          return /not allowed/.test(d.last_error ?? '');
        }, 'an attempt refused by the address check');
        expect(rx.received).toHaveLength(seen);
      } finally {
        await second.close();
      }
    } finally {
      await first.destroy();
      await rx.stop();
    }
  });

  it('loses nothing and sends nothing twice across a restart', async () => {
    const rx = await new WebhookReceiver().start();
    const first = await startApp(LOCAL);
    let second: TestApp | undefined;
    try {
      const root = await rootToken(first);
      const hook = await addEndpoint(first, root, rx.url, ['user.updated']);
      const users = await Promise.all(Array.from({ length: 10 }, () => createUser(first)));
      const rename = (app: TestApp, token: string, id: string, name: string) =>
        app.http.put(`/users/${id}`).set(bearer(token)).send({ name }).expect(200);
      for (const u of users.slice(0, 5)) await rename(first, root, u.id, 'Before');
      await eventually(async () => rx.received.length === 5, 'the first five delivered');
      // The receiver goes away; five more changes queue.
      rx.answer = () => ({ status: 503 });
      for (const u of users.slice(5)) await rename(first, root, u.id, 'Queued');
      await eventually(async () => rx.received.length >= 10, 'the queued ones attempted');
      await first.close();
      rx.answer = () => ({ status: 200 });
      second = await startApp(
        { ...LOCAL, WEBHOOK_RETRY_SCHEDULE: '300ms,300ms,300ms,300ms,300ms,300ms' },
        { database: first.database, mail: first.mail },
      );
      await eventually(async () => {
        const [{ n }] = await second!.db.query(
          `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'delivered'`,
        );
        return n === 10;
      }, 'all ten delivered by the new server');
      await new Promise((r) => setTimeout(r, 800));
      const delivered = rx.received.filter(
        (r, i, all) => all.findIndex((x) => x.id === r.id) === i,
      );
      expect(delivered).toHaveLength(10);
      // Each of the first five reached the receiver once: nothing delivered was sent again.
      const firstIds = rx.received.slice(0, 5).map((r) => r.id);
      for (const id of firstIds) expect(rx.received.filter((r) => r.id === id)).toHaveLength(1);
      for (const r of rx.received) expect(verifies(r, hook.secret)).toBe(true);
    } finally {
      await second?.close();
      await first.destroy();
      await rx.stop();
    }
  });

  (onPostgres ? it : it.skip)(
    'delivers each event once when two instances share the queue (PostgreSQL)',
    async () => {
      const rx = await new WebhookReceiver().start();
      const a = await startApp(LOCAL);
      const b = await startApp(LOCAL, { database: a.database, mail: a.mail });
      try {
        const root = await rootToken(a);
        await addEndpoint(a, root, rx.url, ['user.updated']);
        const users = await Promise.all(Array.from({ length: 40 }, () => createUser(a)));
        await Promise.all(
          users.map((u, i) =>
            (i % 2 ? a : b).http
              .put(`/users/${u.id}`)
              .set(bearer(root))
              .send({ name: 'Twice?' })
              .expect(200),
          ),
        );
        await eventually(async () => rx.received.length >= 40, 'forty deliveries');
        await new Promise((r) => setTimeout(r, 1000));
        expect(rx.received).toHaveLength(40);
        expect(new Set(rx.received.map((r) => r.id)).size).toBe(40);
      } finally {
        await b.close();
        await a.destroy();
        await rx.stop();
      }
    },
  );
});
