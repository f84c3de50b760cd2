import * as bcrypt from 'bcrypt';
import { PasswordService } from '../src/passwords/password.service';
import { bearer, createUser, GOOD_PASSWORD, loginToken } from './support/factories';
import { codeOf, nthMailTo } from './support/mail-helpers';
import { startApp, TestApp } from './support/test-app';

const NEW_PASSWORD = 'a completely different passphrase';

/**
 * A login whose password check has passed but whose session is not yet written, while something
 * else commits: the spy runs `meanwhile` right after the login's (real) bcrypt comparison.
 */
describe('a login in flight while the account changes', () => {
  let t: TestApp;
  let adminToken: string;

  beforeAll(async () => {
    t = await startApp();
    const admin = await createUser(t, { role: 'root' });
    adminToken = await loginToken(t, admin.email);
  });
  afterAll(() => t.destroy());
  afterEach(() => jest.restoreAllMocks());

  function loginWhile(email: string, password: string, meanwhile: () => Promise<void>) {
    const passwords = t.app.get(PasswordService);
    const verify = passwords.verify.bind(passwords);
    jest.spyOn(passwords, 'verify').mockImplementationOnce(async (given, stored) => {
      const ok = await verify(given, stored);
      await meanwhile();
      return ok;
    });
    return t.http.post('/login').send({ email, password });
  }

  async function resetPassword(email: string): Promise<void> {
    await t.http.post('/password/forgot').send({ email }).expect(202);
    const code = codeOf(await nthMailTo(t.mail, email));
    await t.http
      .post('/password/reset')
      .send({ email, code, new_password: NEW_PASSWORD })
      .expect(200);
  }

  async function expectNoLiveSession(res: { status: number; body: { token?: string } }) {
    if (res.body.token) {
      const check = await t.http.get('/validate_token').set(bearer(res.body.token));
      expect(check.status).toBe(401);
    }
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'invalid_credentials' });
  }

  it('gets no session that outlives a password reset that commits meanwhile', async () => {
    const user = await createUser(t);
    const res = await loginWhile(user.email, GOOD_PASSWORD, () => resetPassword(user.email));
    await expectNoLiveSession(res);
    await t.http.post('/login').send({ email: user.email, password: NEW_PASSWORD }).expect(200);
  });

  it('gets no session that comes back after the unblock of a block that commits meanwhile', async () => {
    const user = await createUser(t);
    const setActive = (isActive: boolean) =>
      t.http
        .put('/users/status/change')
        .set(bearer(adminToken))
        .send({ user_id: Number(user.id), is_active: isActive })
        .expect(200)
        .then(() => undefined);
    const res = await loginWhile(user.email, GOOD_PASSWORD, () => setActive(false));
    await setActive(true);
    await expectNoLiveSession(res);
  });

  it('never writes the old password back over a reset with its rehash', async () => {
    // A hash from the original server (plain bcrypt at a low cost) is rehashed at the next login.
    const user = await createUser(t, {
      password: null,
      passwordHash: await bcrypt.hash(GOOD_PASSWORD, 4),
    });
    const res = await loginWhile(user.email, GOOD_PASSWORD, () => resetPassword(user.email));
    await expectNoLiveSession(res);
    const old = await t.http.post('/login').send({ email: user.email, password: GOOD_PASSWORD });
    expect(old.status).toBe(401);
    await t.http.post('/login').send({ email: user.email, password: NEW_PASSWORD }).expect(200);
  });

  it('lets parallel right logins all in, though the first one rehashes the password', async () => {
    const user = await createUser(t, {
      password: null,
      passwordHash: await bcrypt.hash(GOOD_PASSWORD, 4),
    });
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        t.http.post('/login').send({ email: user.email, password: GOOD_PASSWORD }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    for (const r of results) {
      await t.http
        .get('/validate_token')
        .set(bearer(r.body.token as string))
        .expect(200);
    }
  });
});
