import { randomBytes } from 'node:crypto';
import { RateLimitService } from '../src/common/rate-limit/rate-limit.service';
import { keyId } from '../src/crypto/secret-box';
import { bearer, createUser, GOOD_PASSWORD, loginToken } from './support/factories';
import { controlClock, enableTotp, totpCode } from './support/mfa';
import { codeOf, nthMailTo } from './support/mail-helpers';
import { startApp, TestApp } from './support/test-app';

const ROOT = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'mfa spec root password here' };

describe('second factor (TOTP and recovery codes)', () => {
  let t: TestApp;
  let clock: ReturnType<typeof controlClock>;

  beforeAll(async () => {
    t = await startApp(ROOT);
    clock = controlClock(t);
  });
  afterAll(() => t.destroy());

  const login = (email: string, password = GOOD_PASSWORD) =>
    t.http.post('/login').send({ email, password });
  const loginMfa = (body: object) => t.http.post('/login/mfa').send(body);
  const validate = (token: string) => t.http.get('/validate_token').set(bearer(token));

  async function auditOf(userId: string, action: string) {
    return t.db.query<{ outcome: string; details: Record<string, unknown> }[]>(
      'SELECT outcome, details FROM audit_log WHERE target_id = $1 AND action = $2 ORDER BY id',
      [userId, action],
    );
  }

  it('enrols, turns on with a first code, then asks every login for a second factor', async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email);
    expect((await validate(token)).body).toMatchObject({
      mfa_enabled: false,
      session: { aal: 1 },
    });

    const wrong = await t.http.post('/mfa/totp').set(bearer(token)).send({ password: 'nope' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('invalid_current_password');

    const first = await t.http
      .post('/mfa/totp')
      .set(bearer(token))
      .send({ password: GOOD_PASSWORD });
    expect(first.status).toBe(200);
    expect(first.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(first.body.otpauth_url);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe(`/Email Auth:${user.email}`);
    expect(url.searchParams.get('secret')).toBe(first.body.secret);
    expect(url.searchParams.get('issuer')).toBe('Email Auth');
    expect(url.searchParams.get('algorithm')).toBe('SHA1');
    expect(url.searchParams.get('digits')).toBe('6');
    expect(url.searchParams.get('period')).toBe('30');

    // A second start replaces the pending secret: the first one's code no longer confirms.
    const second = await t.http
      .post('/mfa/totp')
      .set(bearer(token))
      .send({ password: GOOD_PASSWORD });
    expect(second.body.secret).not.toBe(first.body.secret);
    const stale = await t.http
      .post('/mfa/totp/confirm')
      .set(bearer(token))
      .send({ code: totpCode(first.body.secret, clock.now()) });
    expect(stale.status).toBe(400);
    expect(stale.body.code).toBe('invalid_mfa_code');
    const secret = second.body.secret as string;

    const confirm = await t.http
      .post('/mfa/totp/confirm')
      .set(bearer(token))
      .send({ code: totpCode(secret, clock.now()) });
    expect(confirm.status).toBe(200);
    const codes = confirm.body.recovery_codes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
    // The enrolling session passed the factor.
    expect((await validate(token)).body).toMatchObject({ mfa_enabled: true, session: { aal: 2 } });
    expect((await nthMailTo(t.mail, user.email)).subject).toMatch(/Two-step sign-in is on/);
    expect((await auditOf(user.id, 'mfa_enable')).map((r) => r.outcome)).toEqual([
      'invalid_mfa_code',
      'success',
    ]);
    const again = await t.http
      .post('/mfa/totp')
      .set(bearer(token))
      .send({ password: GOOD_PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('mfa_already_enabled');

    const res = await login(user.email);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      mfa_required: true,
      mfa_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      methods: ['totp', 'recovery_code'],
      expires_at: expect.any(String),
    });
    const ttl = Date.parse(res.body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(4 * 60_000);
    expect(ttl).toBeLessThanOrEqual(5 * 60_000 + 5_000);
    expect(res.headers['set-cookie']).toBeUndefined();

    // The code that confirmed the enrolment was used: within its own 30 s it is refused (replay).
    const replay = await loginMfa({
      mfa_token: res.body.mfa_token,
      code: totpCode(secret, clock.now()),
    });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid_mfa_code');

    clock.advance(30_000);
    const ok = await loginMfa({
      mfa_token: res.body.mfa_token,
      code: totpCode(secret, clock.now()),
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token: expect.any(String), token_type: 'Bearer' });
    expect((await validate(ok.body.token)).body).toMatchObject({
      mfa_enabled: true,
      session: { id: ok.body.session_id, aal: 2 },
    });
    // A gateway hears it too.
    const forward = await t.http.get('/auth/forward').set(bearer(ok.body.token));
    expect(forward.headers['x-auth-aal']).toBe('2');
    const logins = await auditOf(user.id, 'login');
    expect(logins.map((l) => [l.outcome, l.details.method])).toEqual([
      ['success', 'password'],
      ['mfa_required', 'password'],
      ['invalid_mfa_code', 'totp'],
      ['success', 'totp'],
    ]);
    expect(logins[3].details).toMatchObject({ first_factor: 'password', aal: 2 });

    // The mfa_token is single use.
    clock.advance(30_000);
    const reuse = await loginMfa({
      mfa_token: res.body.mfa_token,
      code: totpCode(secret, clock.now()),
    });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('invalid_mfa_token');
  });

  it('accepts the code of the step before or after, and refuses an older step', async () => {
    const user = await createUser(t);
    const { secret } = await enableTotp(t, await loginToken(t, user.email), clock.now());
    clock.advance(90_000);
    const tokenOf = async () => (await login(user.email)).body.mfa_token as string;
    const tooOld = await loginMfa({
      mfa_token: await tokenOf(),
      code: totpCode(secret, clock.now() - 60_000),
    });
    expect(tooOld.status).toBe(401);
    const late = await loginMfa({
      mfa_token: await tokenOf(),
      code: totpCode(secret, clock.now() - 30_000),
    });
    expect(late.status).toBe(200);
    const early = await loginMfa({
      mfa_token: await tokenOf(),
      code: totpCode(secret, clock.now() + 30_000),
    });
    expect(early.status).toBe(200);
    // Steps only move forward: the current step is now older than the last one accepted.
    const behind = await loginMfa({
      mfa_token: await tokenOf(),
      code: totpCode(secret, clock.now()),
    });
    expect(behind.status).toBe(401);
  });

  it('ends the mfa_token after five wrong codes, and counts them in the login throttle', async () => {
    const user = await createUser(t);
    const { secret } = await enableTotp(t, await loginToken(t, user.email), clock.now());
    clock.advance(30_000);
    const { mfa_token } = (await login(user.email)).body;
    const wrongCode = totpCode(secret, clock.now() + 10 * 60_000);
    for (let i = 0; i < 5; i++) {
      const r = await loginMfa({ mfa_token, code: wrongCode });
      expect([r.status, r.body.code]).toEqual([401, 'invalid_mfa_code']);
      expect(r.headers['www-authenticate']).toBe('Bearer');
    }
    const right = await loginMfa({ mfa_token, code: totpCode(secret, clock.now()) });
    expect([right.status, right.body.code]).toEqual([401, 'invalid_mfa_token']);
    expect(right.headers['www-authenticate']).toBe('Bearer');
    // Five failures on the address: the next attempt, even with the right password, waits.
    const throttled = await login(user.email);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBeDefined();
  });

  it('a right password does not buy fresh guesses: code failures add up across mfa_tokens', async () => {
    const user = await createUser(t);
    const { secret } = await enableTotp(t, await loginToken(t, user.email), clock.now());
    const wrongCode = totpCode(secret, clock.now() + 10 * 60_000);
    for (let i = 0; i < 3; i++) {
      const { mfa_token } = (await login(user.email)).body;
      expect((await loginMfa({ mfa_token, code: wrongCode })).status).toBe(401);
    }
    const { mfa_token } = (await login(user.email)).body;
    expect((await loginMfa({ mfa_token, code: wrongCode })).status).toBe(401);
    expect((await loginMfa({ mfa_token, code: wrongCode })).status).toBe(401);
    expect((await login(user.email)).status).toBe(429);
  });

  it('takes each recovery code once, and regenerating replaces them all', async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email);
    const { secret, recoveryCodes } = await enableTotp(t, token, clock.now());

    const use = async (code: string) =>
      loginMfa({ mfa_token: (await login(user.email)).body.mfa_token, recovery_code: code });
    const ok = await use(recoveryCodes[0].toUpperCase().replace(/-/g, ' '));
    expect(ok.status).toBe(200);
    expect((await validate(ok.body.token)).body.session.aal).toBe(2);
    const again = await use(recoveryCodes[0]);
    expect([again.status, again.body.code]).toEqual([401, 'invalid_mfa_code']);
    // Parallel uses of one code: exactly one gets through.
    const parallel = await Promise.all([use(recoveryCodes[1]), use(recoveryCodes[1])]);
    expect(parallel.map((r) => r.status).sort()).toEqual([200, 401]);

    clock.advance(30_000);
    const wrongPassword = await t.http
      .post('/mfa/recovery-codes')
      .set(bearer(token))
      .send({ password: 'not my password', code: totpCode(secret, clock.now()) });
    expect(wrongPassword.body.code).toBe('invalid_current_password');
    const fresh = await t.http
      .post('/mfa/recovery-codes')
      .set(bearer(token))
      .send({ password: GOOD_PASSWORD, code: totpCode(secret, clock.now()) });
    expect(fresh.status).toBe(200);
    const newCodes = fresh.body.recovery_codes as string[];
    expect(newCodes).toHaveLength(10);
    expect(newCodes.filter((c) => recoveryCodes.includes(c))).toEqual([]);
    expect((await use(recoveryCodes[2])).status).toBe(401);
    expect((await use(newCodes[0])).status).toBe(200);
    await t.mail.waitFor(() =>
      t.mail.to(user.email).some((m) => /New recovery codes/.test(m.subject ?? '')),
    );
    expect(await auditOf(user.id, 'mfa_recovery_codes')).toEqual([
      expect.objectContaining({ outcome: 'invalid_current_password' }),
      expect.objectContaining({ outcome: 'success' }),
    ]);
  });

  it('turns off with password and code, ending the other sessions', async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email);
    const { secret, recoveryCodes } = await enableTotp(t, token, clock.now());
    clock.advance(30_000);
    const other = (
      await loginMfa({
        mfa_token: (await login(user.email)).body.mfa_token,
        code: totpCode(secret, clock.now()),
      })
    ).body.token as string;

    const noCode = await t.http
      .delete('/mfa/totp')
      .set(bearer(token))
      .send({
        password: GOOD_PASSWORD,
        code: '000000' === totpCode(secret, clock.now()) ? '111111' : '000000',
      });
    expect([noCode.status, noCode.body.code]).toEqual([400, 'invalid_mfa_code']);
    const off = await t.http
      .delete('/mfa/totp')
      .set(bearer(token))
      .send({ password: GOOD_PASSWORD, code: recoveryCodes[0] });
    expect(off.status).toBe(204);
    expect((await validate(other)).status).toBe(401);
    expect((await validate(token)).body).toMatchObject({ mfa_enabled: false });
    const plain = await login(user.email);
    expect(plain.body.token).toEqual(expect.any(String));
    await t.mail.waitFor(() =>
      t.mail.to(user.email).some((m) => /Two-step sign-in is off/.test(m.subject ?? '')),
    );
    expect(await auditOf(user.id, 'mfa_disable')).toEqual([
      expect.objectContaining({ outcome: 'invalid_mfa_code' }),
      expect.objectContaining({ outcome: 'success', details: { sessions_ended: 1 } }),
    ]);
    // The recovery codes went with the factor.
    const [{ n }] = await t.db.query(
      'SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1',
      [user.id],
    );
    expect(n).toBe(0);
  });

  it('counts wrong codes on the management routes in the login throttle', async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email);
    const { secret } = await enableTotp(t, token, clock.now());
    const wrongCode = totpCode(secret, clock.now() + 10 * 60_000);
    for (let i = 0; i < 5; i++) {
      const r = await t.http
        .delete('/mfa/totp')
        .set(bearer(token))
        .send({ password: GOOD_PASSWORD, code: wrongCode });
      expect([r.status, r.body.code]).toEqual([400, 'invalid_mfa_code']);
    }
    // The right password with a session does not buy more guesses at the code.
    clock.advance(30_000);
    const next = await t.http
      .post('/mfa/recovery-codes')
      .set(bearer(token))
      .send({ password: GOOD_PASSWORD, code: totpCode(secret, clock.now()) });
    expect([next.status, next.body.code]).toEqual([429, 'too_many_attempts']);
    expect((await login(user.email)).status).toBe(429);
  });

  describe('an account without a password', () => {
    /** The k-th mail to `email` whose subject matches (notices go to the same address). */
    async function nthWith(email: string, subject: RegExp, k: number) {
      const of = () => t.mail.to(email).filter((m) => subject.test(m.subject ?? ''));
      await t.mail.waitFor(() => of().length >= k);
      return of()[k - 1];
    }
    const liftCooldown = (email: string) =>
      t.app.get(RateLimitService).reset(`mail-cooldown:${email}`);
    const LOGIN_CODE = /sign-in code: \d{6}$/;
    const MFA_CODE = /code for two-step sign-in: \d{6}$/;

    async function codeSignIn(email: string, k: number) {
      await liftCooldown(email);
      await t.http.post('/login/code').send({ email }).expect(202);
      const code = codeOf(await nthWith(email, LOGIN_CODE, k));
      return t.http.post('/login/code/verify').send({ email, code });
    }
    async function emailCode(token: string, email: string, k: number): Promise<string> {
      await liftCooldown(email);
      const sent = await t.http.post('/mfa/email-code').set(bearer(token));
      expect([sent.status, sent.body.code]).toEqual([202, undefined]);
      return codeOf(await nthWith(email, MFA_CODE, k));
    }

    it('enrols and turns off by an emailed code, and signs in by code through the second step', async () => {
      const user = await createUser(t, { password: null });
      const first = await codeSignIn(user.email, 1);
      expect(first.status).toBe(200);
      const token = first.body.token as string;

      // No password to give: the code of POST /mfa/email-code stands in for it.
      const withPassword = await t.http
        .post('/mfa/totp')
        .set(bearer(token))
        .send({ password: 'x' });
      expect([withPassword.status, withPassword.body.code]).toEqual([400, 'code_required']);
      const neither = await t.http.post('/mfa/totp').set(bearer(token)).send({});
      expect([neither.status, neither.body.code]).toEqual([400, 'validation_failed']);
      const code = await emailCode(token, user.email, 1);
      const wrong = await t.http
        .post('/mfa/totp')
        .set(bearer(token))
        .send({ email_code: code === '000000' ? '000001' : '000000' });
      expect([wrong.status, wrong.body.code]).toEqual([400, 'invalid_code']);
      const enrol = await t.http.post('/mfa/totp').set(bearer(token)).send({ email_code: code });
      expect(enrol.status).toBe(200);
      // Single use, like every mailed code.
      const again = await t.http.post('/mfa/totp').set(bearer(token)).send({ email_code: code });
      expect([again.status, again.body.code]).toEqual([400, 'invalid_code']);
      const secret = enrol.body.secret as string;
      await t.http
        .post('/mfa/totp/confirm')
        .set(bearer(token))
        .send({ code: totpCode(secret, clock.now()) })
        .expect(200);

      // A sign-in by code now asks for the second factor, and gives an aal-2 session.
      const step = await codeSignIn(user.email, 2);
      expect(step.status).toBe(200);
      expect(step.body).toMatchObject({ mfa_required: true });
      expect(step.body.token).toBeUndefined();
      clock.advance(30_000);
      const done = await loginMfa({
        mfa_token: step.body.mfa_token,
        code: totpCode(secret, clock.now()),
      });
      expect(done.status).toBe(200);
      expect((await validate(done.body.token)).body).toMatchObject({
        mfa_enabled: true,
        session: { aal: 2 },
      });
      const [login2] = (await auditOf(user.id, 'login'))
        .filter((r) => r.outcome === 'success')
        .slice(-1);
      expect(login2.details).toMatchObject({ method: 'totp', first_factor: 'code', aal: 2 });

      // Turning it off: the emailed code and a code of the factor.
      clock.advance(30_000);
      const off = await t.http
        .delete('/mfa/totp')
        .set(bearer(done.body.token))
        .send({
          email_code: await emailCode(done.body.token, user.email, 2),
          code: totpCode(secret, clock.now()),
        });
      expect(off.status).toBe(204);
      expect((await validate(done.body.token)).body.mfa_enabled).toBe(false);
    });

    it('refuses the emailed code to an account that has a password', async () => {
      const user = await createUser(t);
      const token = await loginToken(t, user.email);
      const res = await t.http.post('/mfa/email-code').set(bearer(token));
      expect([res.status, res.body.code]).toEqual([400, 'password_required']);
      const enrol = await t.http
        .post('/mfa/totp')
        .set(bearer(token))
        .send({ email_code: '123456' });
      expect([enrol.status, enrol.body.code]).toEqual([400, 'password_required']);
    });
  });

  it('keeps the secret and the recovery codes unreadable in the database and out of answers', async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email);
    const { secret, recoveryCodes } = await enableTotp(t, token, clock.now());
    const [row] = await t.db.query('SELECT * FROM mfa_totp WHERE user_id = $1', [user.id]);
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(secret);
    expect(stored.toLowerCase()).not.toContain(secret.toLowerCase());
    expect(row.secret).toMatch(/^v1\.[0-9a-f]{8}\./);
    const codes = JSON.stringify(
      await t.db.query('SELECT * FROM mfa_recovery_codes WHERE user_id = $1', [user.id]),
    );
    for (const c of recoveryCodes) {
      expect(codes).not.toContain(c);
      expect(codes).not.toContain(c.replace(/-/g, ''));
    }
    const answers = JSON.stringify([
      (await validate(token)).body,
      (await t.http.get('/sessions').set(bearer(token))).body,
    ]);
    expect(answers).not.toContain(secret);
  });

  describe('admin reset', () => {
    let rootToken: string;
    beforeAll(async () => {
      rootToken = await loginToken(t, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    });

    it("removes a user's factor and ends all the user's sessions", async () => {
      const admin = await createUser(t, { role: 'admin' });
      const adminToken = await loginToken(t, admin.email);
      const user = await createUser(t);
      const token = await loginToken(t, user.email);
      await enableTotp(t, token, clock.now());

      const asUser = await t.http.delete(`/users/${admin.id}/mfa`).set(bearer(token));
      expect(asUser.status).toBe(403);
      expect((await t.http.get(`/users/${user.id}/mfa`).set(bearer(token))).status).toBe(403);
      const on = await t.http.get(`/users/${user.id}/mfa`).set(bearer(adminToken));
      expect([on.status, on.body]).toEqual([200, { mfa_enabled: true }]);
      const reset = await t.http.delete(`/users/${user.id}/mfa`).set(bearer(adminToken));
      expect(reset.status).toBe(204);
      expect((await validate(token)).status).toBe(401);
      expect((await login(user.email)).body.token).toEqual(expect.any(String));
      await t.mail.waitFor(() =>
        t.mail.to(user.email).some((m) => /Two-step sign-in was reset/.test(m.subject ?? '')),
      );
      const off = await t.http.get(`/users/${user.id}/mfa`).set(bearer(adminToken));
      expect(off.body).toEqual({ mfa_enabled: false });
      const none = await t.http.delete(`/users/${user.id}/mfa`).set(bearer(adminToken));
      expect([none.status, none.body.code]).toEqual([409, 'mfa_not_enabled']);
      const unknown = await t.http.delete(`/users/999999999/mfa`).set(bearer(adminToken));
      expect([unknown.status, unknown.body.code]).toEqual([404, 'user_not_found']);
      const unknownState = await t.http.get(`/users/999999999/mfa`).set(bearer(adminToken));
      expect([unknownState.status, unknownState.body.code]).toEqual([404, 'user_not_found']);
      const [rec] = await auditOf(user.id, 'mfa_reset');
      expect(rec).toMatchObject({ outcome: 'success', details: { sessions_ended: 1 } });
    });

    it('lets only a root reset an admin', async () => {
      const admin = await createUser(t, { role: 'admin' });
      const otherAdmin = await createUser(t, { role: 'admin' });
      await enableTotp(t, await loginToken(t, otherAdmin.email), clock.now());
      const denied = await t.http
        .delete(`/users/${otherAdmin.id}/mfa`)
        .set(bearer(await loginToken(t, admin.email)));
      expect([denied.status, denied.body.code]).toEqual([403, 'insufficient_role']);
      const byRoot = await t.http.delete(`/users/${otherAdmin.id}/mfa`).set(bearer(rootToken));
      expect(byRoot.status).toBe(204);
    });

    it('ends a login in flight: the mfa_token of a reset factor opens no session', async () => {
      const user = await createUser(t);
      const { secret } = await enableTotp(t, await loginToken(t, user.email), clock.now());
      clock.advance(30_000);
      const { mfa_token } = (await login(user.email)).body;
      expect((await t.http.delete(`/users/${user.id}/mfa`).set(bearer(rootToken))).status).toBe(
        204,
      );
      const late = await loginMfa({ mfa_token, code: totpCode(secret, clock.now()) });
      expect([late.status, late.body.code]).toEqual([401, 'invalid_mfa_token']);
    });
  });

  it('refuses malformed second-factor input with 400 or 401, never 500', async () => {
    const bad = [
      {},
      { mfa_token: 'x' },
      { mfa_token: 'x', code: '12345' },
      { mfa_token: randomBytes(32).toString('base64url'), code: '123456', recovery_code: 'a' },
      { mfa_token: 5, code: '123456' },
      { mfa_token: 'x', code: null },
    ];
    for (const body of bad) {
      const r = await loginMfa(body);
      expect([r.status, r.body.code]).toEqual([400, 'validation_failed']);
    }
    const unknown = await loginMfa({
      mfa_token: randomBytes(32).toString('base64url'),
      code: '123456',
    });
    expect([unknown.status, unknown.body.code]).toEqual([401, 'invalid_mfa_token']);
  });
});

describe('MFA_REQUIRED_ROLES', () => {
  let t: TestApp;
  afterAll(() => t.destroy());

  it('refuses admin routes to an aal-1 session of those roles, until a second factor', async () => {
    t = await startApp({ MFA_REQUIRED_ROLES: 'root,admin' });
    const clock = controlClock(t);
    const admin = await createUser(t, { role: 'admin' });
    const consoleSignIn = () =>
      t.http
        .post('/admin/session')
        .set('X-CSRF-Protection', '1')
        .send({ email: admin.email, password: GOOD_PASSWORD });
    // The console keeps no session it could not use: every page would answer mfa_required.
    const noFactor = await consoleSignIn();
    expect([noFactor.status, noFactor.body.code]).toEqual([403, 'mfa_required']);
    expect(noFactor.headers['set-cookie']).toBeUndefined();
    const left = await t.db.query(
      'SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
      [admin.id],
    );
    expect(left).toEqual([]);
    const token = await loginToken(t, admin.email);
    const denied = await t.http.get('/users/list').set(bearer(token));
    expect([denied.status, denied.body.code]).toEqual([403, 'mfa_required']);
    // The self-service routes stay open, so the admin can enrol.
    const { secret } = await enableTotp(t, token, clock.now());
    expect((await t.http.get('/users/list').set(bearer(token))).status).toBe(200);
    clock.advance(30_000);
    const first = await t.http.post('/login').send({ email: admin.email, password: GOOD_PASSWORD });
    const second = await t.http
      .post('/login/mfa')
      .send({ mfa_token: first.body.mfa_token, code: totpCode(secret, clock.now()) });
    expect((await t.http.get('/users/list').set(bearer(second.body.token))).status).toBe(200);
    // With the factor, the console signs the admin in through the second step.
    clock.advance(30_000);
    const step = await consoleSignIn();
    expect(step.body).toMatchObject({ mfa_required: true });
    const signedIn = await t.http
      .post('/admin/session/mfa')
      .set('X-CSRF-Protection', '1')
      .send({ mfa_token: step.body.mfa_token, code: totpCode(secret, clock.now()) });
    expect(signedIn.body).toMatchObject({ email: admin.email, session: { aal: 2 } });
    const cookie = String([signedIn.headers['set-cookie']].flat()[0]).split(';')[0];
    expect((await t.http.get('/users/list').set('Cookie', cookie)).status).toBe(200);
    // A plain user is not affected beyond the usual 403.
    const user = await createUser(t);
    const asUser = await t.http.get('/users/list').set(bearer(await loginToken(t, user.email)));
    expect(asUser.body.code).toBe('forbidden');
  });
});

describe('second factor across instances and key rotation', () => {
  const oldKey = randomBytes(32).toString('base64');
  const newKey = randomBytes(32).toString('base64');
  let a: TestApp;
  let b: TestApp | undefined;
  afterAll(async () => {
    await b?.close();
    await a.destroy();
  });

  it('opens a secret sealed under the previous key, and seals it again under the new one', async () => {
    a = await startApp({ ENCRYPTION_KEY: oldKey });
    let clock = controlClock(a);
    const user = await createUser(a);
    const { secret } = await enableTotp(a, await loginToken(a, user.email), clock.now());
    await a.close();

    b = await startApp(
      { ENCRYPTION_KEY: newKey, ENCRYPTION_KEY_PREVIOUS: oldKey },
      { database: a.database, mail: a.mail },
    );
    clock = controlClock(b);
    clock.advance(30_000);
    const first = await b.http.post('/login').send({ email: user.email, password: GOOD_PASSWORD });
    const ok = await b.http
      .post('/login/mfa')
      .send({ mfa_token: first.body.mfa_token, code: totpCode(secret, clock.now()) });
    expect(ok.status).toBe(200);
    const sealedWith = async () =>
      (
        (await b!.db.query('SELECT secret FROM mfa_totp WHERE user_id = $1', [user.id]))[0]
          .secret as string
      ).split('.')[1];
    // The reseal is written beside the check; wait for it rather than for a fixed time.
    for (let i = 0; i < 100 && (await sealedWith()) !== keyId(Buffer.from(newKey, 'base64')); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await sealedWith()).toBe(keyId(Buffer.from(newKey, 'base64')));
  });
});

// Two instances on one database need a server: the embedded database belongs to one process.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('second factor on two instances (PostgreSQL)', () => {
  let a: TestApp;
  let b: TestApp;
  const key = randomBytes(32).toString('base64');
  beforeAll(async () => {
    a = await startApp({ ENCRYPTION_KEY: key });
    b = await startApp({ ENCRYPTION_KEY: key }, { database: a.database, mail: a.mail });
  });
  afterAll(async () => {
    await b.close();
    await a.destroy();
  });

  it('accepts a TOTP code on one instance only, also when both get it at once', async () => {
    const clock = controlClock(a, b);
    const user = await createUser(a);
    const { secret } = await enableTotp(a, await loginToken(a, user.email), clock.now());
    for (let round = 0; round < 3; round++) {
      clock.advance(30_000);
      const code = totpCode(secret, clock.now());
      const tokens = await Promise.all(
        [a, b].map(
          async (t) =>
            (await t.http.post('/login').send({ email: user.email, password: GOOD_PASSWORD })).body
              .mfa_token as string,
        ),
      );
      const results = await Promise.all([
        a.http.post('/login/mfa').send({ mfa_token: tokens[0], code }),
        b.http.post('/login/mfa').send({ mfa_token: tokens[1], code }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    }
    // And one after the other: what instance a took, instance b refuses.
    clock.advance(30_000);
    const code = totpCode(secret, clock.now());
    const first = await a.http.post('/login').send({ email: user.email, password: GOOD_PASSWORD });
    expect(
      (await a.http.post('/login/mfa').send({ mfa_token: first.body.mfa_token, code })).status,
    ).toBe(200);
    const second = await b.http.post('/login').send({ email: user.email, password: GOOD_PASSWORD });
    const replay = await b.http.post('/login/mfa').send({ mfa_token: second.body.mfa_token, code });
    expect([replay.status, replay.body.code]).toEqual([401, 'invalid_mfa_code']);
  });
});
