import { bearer, createUser, loginToken } from './support/factories';
import { startApp, TestApp } from './support/test-app';

/** The API's error shape (docs/api.md, Errors), with nothing of the server's insides. */
function expect4xx(res: { status: number; body: Record<string, unknown> }, code?: string) {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.body).toMatchObject({ statusCode: res.status });
  expect(typeof res.body.code).toBe('string');
  expect(typeof res.body.error).toBe('string');
  if (code) expect(res.body.code).toBe(code);
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.(ts|js):\d+|node_modules|SELECT|stack/);
}

const ANONYMOUS_BODY_ROUTES = [
  '/login',
  '/register',
  '/register/resend',
  '/register/confirm',
  '/password/forgot',
  '/password/reset',
  '/users/verify',
];

describe('hostile input', () => {
  let t: TestApp;
  let adminToken: string;

  beforeAll(async () => {
    t = await startApp();
    const admin = await createUser(t, { role: 'root' });
    adminToken = await loginToken(t, admin.email);
  });
  afterAll(() => t.destroy());

  it('refuses a JSON body nested 10,000 levels deep on every route with a body, as 400', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const deepObject = '{"email":' + '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000) + '}';
    for (const route of ANONYMOUS_BODY_ROUTES) {
      for (const body of [deep, deepObject]) {
        const res = await t.http.post(route).set('Content-Type', 'application/json').send(body);
        expect4xx(res, 'invalid_json');
      }
    }
    const res = await t.http
      .put('/users/status/change')
      .set(bearer(adminToken))
      .set('Content-Type', 'application/json')
      .send(deep);
    expect4xx(res, 'invalid_json');
  });

  it('still takes a body nested as deep as a DTO can be', async () => {
    const res = await t.http
      .post('/login')
      .send({ email: 'a@example.com', password: [[[[['x']]]]] });
    expect4xx(res, 'validation_failed');
  });

  it('refuses a lone UTF-16 surrogate in an email on every anonymous route, as 400', async () => {
    const email = 'fz\ud800@example.com';
    const bodies: Record<string, object> = {
      '/login': { email, password: 'purple elephants dance quietly' },
      '/register': { email, password: 'purple elephants dance quietly' },
      '/register/resend': { email },
      '/password/forgot': { email },
      '/register/confirm': { email, code: '123456' },
    };
    for (const [route, body] of Object.entries(bodies)) {
      const res = await t.http.post(route).send(body);
      expect4xx(res, 'validation_failed');
    }
  });

  it('refuses NUL, CR and LF in name and surname at sign-up', async () => {
    for (const name of ['Ada\0', 'Ada\r\nX-Injected: 1', 'Ada\n']) {
      for (const field of ['name', 'surname']) {
        const res = await t.http.post('/register').send({
          email: `nul.${Math.random().toString(36).slice(2)}@example.com`,
          password: 'purple elephants dance quietly',
          [field]: name,
        });
        expect4xx(res, 'validation_failed');
      }
    }
  });

  it('refuses NUL in the search of the users list', async () => {
    const res = await t.http.get('/users/list').query({ search: 'a\0b' }).set(bearer(adminToken));
    expect4xx(res, 'validation_failed');
  });

  it('refuses time offsets PostgreSQL cannot take in the history and its export', async () => {
    for (const path of ['/users/actions', '/users/actions/export']) {
      for (const q of [
        { from: '2024-01-01T10:00:00+19:00' },
        { to: '2024-01-01T10:00:00-16:30' },
        { from: '0000-01-01' },
      ]) {
        const res = await t.http.get(path).query(q).set(bearer(adminToken));
        expect4xx(res, 'validation_failed');
      }
    }
    const ok = await t.http
      .get('/users/actions')
      .query({ from: '2024-01-01T10:00:00+14:00', to: '2024-01-01T10:00:00-12:00' })
      .set(bearer(adminToken));
    expect(ok.status).toBe(200);
  });

  it('refuses CR/LF in a quoted local part on register, resend, forgot and login', async () => {
    const email = '"a\r\nbcc: x@y"@example.com';
    const bodies: Record<string, object> = {
      '/login': { email, password: 'purple elephants dance quietly' },
      '/register': { email, password: 'purple elephants dance quietly' },
      '/register/resend': { email },
      '/password/forgot': { email },
    };
    for (const [route, body] of Object.entries(bodies)) {
      const res = await t.http.post(route).send(body);
      expect4xx(res, 'validation_failed');
    }
  });

  it('keeps passwords free text: a line break in one is not refused as input', async () => {
    const res = await t.http
      .post('/login')
      .send({ email: 'nobody@example.com', password: 'line one\nline two is long' });
    expect4xx(res, 'invalid_credentials');
  });

  it('refuses a user_id beyond bigint and records the refusal', async () => {
    const res = await t.http
      .put('/users/status/change')
      .set(bearer(adminToken))
      .set('Content-Type', 'application/json')
      .send('{"user_id": 99999999999999999999, "is_active": false}');
    expect4xx(res, 'validation_failed');
    const history = await t.http
      .get('/users/actions')
      .query({ actions: 'user_block', outcome: 'validation_failed' })
      .set(bearer(adminToken));
    expect(history.status).toBe(200);
    expect(history.body.total_count).toBeGreaterThanOrEqual(1);
  });
});
