import type request from 'supertest';
import { MfaService } from '../src/mfa/mfa.service';
import { bearer, createUser, GOOD_PASSWORD, loginToken } from './support/factories';
import { codeOf, mailTo } from './support/mail-helpers';
import { controlClock, enableTotp, totpCode } from './support/mfa';
import { startApp, TestApp } from './support/test-app';

const NEW_PASSWORD = 'a completely different passphrase';

/**
 * Races for the second factor (docs/security.md, Sessions): a reset, block or factor change that commits while a
 * login is between its first and its second factor (or between its password and its session)
 * leaves that login without a session.
 */
describe('a second factor in flight while the account changes', () => {
  let t: TestApp;
  let clock: ReturnType<typeof controlClock>;
  let rootToken: string;

  beforeAll(async () => {
    t = await startApp();
    clock = controlClock(t);
    const root = await createUser(t, { role: 'root' });
    rootToken = await loginToken(t, root.email);
  });
  afterAll(() => t.destroy());
  afterEach(() => {
    // Only the spies of this file; the clock's spy stays.
    for (const s of spies.splice(0)) s.mockRestore();
  });
  const spies: jest.SpyInstance[] = [];

  const login = (email: string, password = GOOD_PASSWORD) =>
    t.http.post('/login').send({ email, password });
  const loginMfa = (body: object) => t.http.post('/login/mfa').send(body);

  /** A user with TOTP on, a fresh time step, and an mfa_token from a right password. */
  async function userInMfaStep() {
    const user = await createUser(t);
    const { secret } = await enableTotp(t, await loginToken(t, user.email), clock.now());
    clock.advance(30_000);
    const first = await login(user.email);
    expect(first.body.mfa_required).toBe(true);
    return { user, secret, mfaToken: first.body.mfa_token as string };
  }

  async function resetPassword(email: string): Promise<void> {
    await t.http.post('/password/forgot').send({ email }).expect(202);
    const code = codeOf(await mailTo(t.mail, email, /Reset your/));
    await t.http
      .post('/password/reset')
      .send({ email, code, new_password: NEW_PASSWORD })
      .expect(200);
  }

  const setActive = (userId: string, isActive: boolean) =>
    t.http
      .put('/users/status/change')
      .set(bearer(rootToken))
      .send({ user_id: Number(userId), is_active: isActive })
      .expect(200)
      .then(() => undefined);

  /** Runs `meanwhile` after the second factor's code was checked, before the session is opened. */
  function secondFactorWhile(body: object, meanwhile: () => Promise<void>) {
    const mfa = t.app.get(MfaService);
    const verify = mfa.verify.bind(mfa);
    spies.push(
      jest.spyOn(mfa, 'verify').mockImplementationOnce(async (...args) => {
        const passed = await verify(...args);
        await meanwhile();
        return passed;
      }),
    );
    return loginMfa(body);
  }

  async function expectNoLiveSession(res: { status: number; body: { token?: string } }) {
    if (res.body.token) {
      expect((await t.http.get('/validate_token').set(bearer(res.body.token))).status).toBe(401);
    }
    expect([res.status, (res.body as { code?: string }).code]).toEqual([401, 'invalid_mfa_token']);
  }

  it('opens no session after a password reset that committed between the two factors', async () => {
    const { user, secret, mfaToken } = await userInMfaStep();
    await resetPassword(user.email);
    const late = await loginMfa({ mfa_token: mfaToken, code: totpCode(secret, clock.now()) });
    await expectNoLiveSession(late);
  });

  it('opens no session after a password reset that commits while the code is checked', async () => {
    const { user, secret, mfaToken } = await userInMfaStep();
    const res = await secondFactorWhile(
      { mfa_token: mfaToken, code: totpCode(secret, clock.now()) },
      () => resetPassword(user.email),
    );
    await expectNoLiveSession(res);
    // The token is used up: it does not work a second time either.
    clock.advance(30_000);
    const again = await loginMfa({ mfa_token: mfaToken, code: totpCode(secret, clock.now()) });
    expect([again.status, again.body.code]).toEqual([401, 'invalid_mfa_token']);
  });

  it('opens no session that comes back after the unblock of a block that commits meanwhile', async () => {
    const { user, secret, mfaToken } = await userInMfaStep();
    const res = await secondFactorWhile(
      { mfa_token: mfaToken, code: totpCode(secret, clock.now()) },
      () => setActive(user.id, false),
    );
    await setActive(user.id, true);
    await expectNoLiveSession(res);
  });

  it('keeps no session of a second factor sent at the same time as a block', async () => {
    for (let round = 0; round < 4; round++) {
      const { user, secret, mfaToken } = await userInMfaStep();
      const [res] = await Promise.all([
        loginMfa({ mfa_token: mfaToken, code: totpCode(secret, clock.now()) }),
        setActive(user.id, false),
      ]);
      // Either order is allowed; what must not happen is a session that survives the block.
      expect([200, 401]).toContain(res.status);
      await setActive(user.id, true);
      if (res.body.token) {
        const check = await t.http.get('/validate_token').set(bearer(res.body.token as string));
        expect(check.status).toBe(401);
      }
    }
  });

  it('answers mfa_required, not an aal-1 session, when the factor is turned on during a login', async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email);
    const mfa = t.app.get(MfaService);
    const factorVersion = mfa.factorVersion.bind(mfa);
    let secret = '';
    // The login has read "no factor" and is about to open its session when the factor goes on.
    spies.push(
      jest.spyOn(mfa, 'factorVersion').mockImplementationOnce(async (...args) => {
        const version = await factorVersion(...args);
        secret = (await enableTotp(t, token, clock.now())).secret;
        return version;
      }),
    );
    const res = await login(user.email);
    expect(secret).not.toBe('');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mfa_required: true });
    expect(res.body.token).toBeUndefined();
  });

  it('opens one session when one mfa_token is redeemed twice at once, and audits the other', async () => {
    const user = await createUser(t);
    const { secret, recoveryCodes } = await enableTotp(
      t,
      await loginToken(t, user.email),
      clock.now(),
    );
    clock.advance(30_000);
    const mfaToken = (await login(user.email)).body.mfa_token as string;
    let other: request.Response | undefined;
    // The recovery code's request runs to its end while the TOTP one is between check and session.
    const first = await secondFactorWhile(
      { mfa_token: mfaToken, code: totpCode(secret, clock.now()) },
      async () => {
        other = await loginMfa({ mfa_token: mfaToken, recovery_code: recoveryCodes[0] });
      },
    );
    const answers = [first, other!].map((r) => `${r.status} ${r.body.code ?? 'session'}`);
    expect(answers.sort()).toEqual(['200 session', '401 invalid_mfa_token']);
    const refusals = await t.db.query(
      `SELECT details FROM audit_log
        WHERE target_id = $1 AND action = 'login' AND outcome = 'invalid_mfa_token'`,
      [user.id],
    );
    expect(refusals).toHaveLength(1);
  });

  it('lets at most five codes of one mfa_token be checked, also when they come at once', async () => {
    const { secret, mfaToken } = await userInMfaStep();
    const wrong = totpCode(secret, clock.now() + 10 * 60_000);
    const results = await Promise.all(
      Array.from({ length: 12 }, () => loginMfa({ mfa_token: mfaToken, code: wrong })),
    );
    const codes = results.map((r) => `${r.status} ${r.body.code}`);
    expect(codes.filter((c) => c === '401 invalid_mfa_code')).toHaveLength(5);
    // The rest were refused before their code was looked at: the token or the address was done.
    for (const c of codes.filter((x) => x !== '401 invalid_mfa_code')) {
      expect(['401 invalid_mfa_token', '429 too_many_attempts']).toContain(c);
    }
    const right = await loginMfa({ mfa_token: mfaToken, code: totpCode(secret, clock.now()) });
    expect(right.status).not.toBe(200);
  });
});
