import { bearer, createUser, loginToken } from './support/factories';
import { sample } from './support/metrics';
import { startApp, TestApp } from './support/test-app';

const TOKEN = 'metrics-token-for-the-tests-0123456789';

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ METRICS_TOKEN: TOKEN });
  });
  afterAll(() => t.destroy());

  const scrape = async () =>
    (
      await t.http
        .get('/metrics')
        .set(bearer(TOKEN))
        .expect(200)
        .expect('Content-Type', /text\/plain/)
    ).text;

  it('is 401 without the token or with a wrong one', async () => {
    const none = await t.http.get('/metrics').expect(401);
    expect(none.body).toMatchObject({ statusCode: 401, code: 'invalid_token' });
    expect(none.headers['cache-control']).toBe('no-store');
    const wrong = await t.http
      .get('/metrics')
      .set(bearer(`${TOKEN}x`))
      .expect(401);
    expect(wrong.headers['cache-control']).toBe('no-store');
    await t.http.get('/metrics').set(bearer('short')).expect(401);
  });

  it('counts logins by outcome and token checks by result', async () => {
    const user = await createUser(t);
    const before = await scrape();
    const count = (text: string, name: string, labels: Record<string, string>) =>
      sample(text, name, labels) ?? 0;
    const token = await loginToken(t, user.email);
    await t.http
      .post('/login')
      .send({ email: user.email, password: 'wrong password here!!' })
      .expect(401);
    await t.http.get('/validate_token').set(bearer(token)).expect(200);
    await t.http.get('/validate_token').set(bearer(token)).expect(200);
    await t.http.get('/validate_token').set(bearer('not-a-token')).expect(401);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      count(after, name, labels) - count(before, name, labels);
    expect(delta('auth_logins_total', { outcome: 'success' })).toBe(1);
    expect(delta('auth_logins_total', { outcome: 'invalid_credentials' })).toBe(1);
    expect(delta('auth_token_checks_total', { result: 'valid' })).toBe(2);
    expect(delta('auth_token_checks_total', { result: 'invalid' })).toBe(1);
    expect(
      delta('http_request_duration_seconds_count', {
        method: 'GET',
        route: '/validate_token',
        status: '200',
      }),
    ).toBe(2);
  });

  it('labels requests by route pattern, never by the raw path', async () => {
    await t.http.get('/users/12345').expect(401);
    await t.http.get('/no/such/route/98765').expect(404);
    const text = await scrape();
    expect(
      sample(text, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: '/users/:id',
        status: '401',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'http_request_duration_seconds_bucket', { route: '(unmatched)', le: '+Inf' }),
    ).toBeGreaterThanOrEqual(1);
    // In a label, that is: a metric's value (a byte count, a sum) may hold those digits by chance.
    expect(text).not.toMatch(/route="[^"]*12345/);
    expect(text).not.toMatch(/route="[^"]*98765/);
  });

  it('reports the outbox by status, the oldest pending mail, the pool and the process', async () => {
    // Pending for two minutes and not due for an hour, so the worker leaves it alone.
    await t.db.query(
      `INSERT INTO mail_outbox (to_address, template, context, status, created_at, next_attempt_at)
       VALUES ('late@example.com', 'email-confirm', '{}', 'pending', now() - interval '120 seconds',
               now() + interval '1 hour')`,
    );
    const text = await scrape();
    expect(sample(text, 'mail_outbox_mails', { status: 'pending' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'mail_outbox_mails', { status: 'failed' })).toBe(0);
    expect(sample(text, 'mail_outbox_oldest_pending_seconds')).toBeGreaterThanOrEqual(119);
    const idle = sample(text, 'db_pool_connections', { state: 'idle' })!;
    const active = sample(text, 'db_pool_connections', { state: 'active' })!;
    expect(idle + active).toBeGreaterThanOrEqual(1); // the scrape itself just used one
    expect(sample(text, 'db_pool_connections', { state: 'waiting' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeDefined();
  });

  it("reports the server's own check of the audit chain, done at start", async () => {
    const text = await scrape();
    expect(sample(text, 'audit_chain_ok')).toBe(1);
    expect(sample(text, 'audit_chain_breaks', { kind: 'changed_record' })).toBe(0);
    expect(sample(text, 'audit_chain_breaks', { kind: 'missing_head' })).toBe(0);
    const checkedAt = sample(text, 'audit_chain_last_check_timestamp_seconds')!;
    expect(checkedAt).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(checkedAt).toBeLessThanOrEqual(Date.now() / 1000);
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  it('does not exist (404)', async () => {
    const t = await startApp({ METRICS_TOKEN: undefined });
    try {
      const res = await t.http.get('/metrics').set(bearer(TOKEN)).expect(404);
      expect(res.body).toMatchObject({ statusCode: 404, code: 'not_found' });
    } finally {
      await t.destroy();
    }
  });
});
