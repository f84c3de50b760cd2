import { AuditRecord } from '../src/audit/audit-record.entity';
import { RateLimitService } from '../src/common/rate-limit/rate-limit.service';
import { AccountMailService } from '../src/otp/account-mail.service';
import { User } from '../src/users/user.entity';
import { UsersRepository } from '../src/users/users.repository';
import { codeOf, nthMailTo, tokenOf } from './support/mail-helpers';
import { startApp, TestApp } from './support/test-app';

const PASSWORD = 'purple elephants dance quietly';
const NEW_PASSWORD = 'seven green turtles swim slowly';

describe('registration, confirmation and password reset', () => {
  let t: TestApp;
  let n = 0;
  const address = (tag: string) => `${tag}-${++n}@example.com`;
  const user = (email: string) => t.db.getRepository(User).findOneByOrFail({ email });
  const otherCode = (code: string) => (code === '000000' ? '000001' : '000000');
  /** The per-address mail cooldown is 60 s; tests that need a second mail at once lift it. */
  const liftCooldown = (email: string) =>
    t.app.get(RateLimitService).reset(`mail-cooldown:${email}`);

  async function signUp(tag: string): Promise<{ email: string; code: string; token: string }> {
    const email = address(tag);
    const res = await t.http.post('/register').send({ email, password: PASSWORD });
    expect(res.status).toBe(202);
    const mail = await nthMailTo(t.mail, email);
    return { email, code: codeOf(mail), token: tokenOf(mail) };
  }

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.destroy());

  describe('sign-up', () => {
    it('signs up and confirms by the code of the real mail', async () => {
      const email = address('code');
      const res = await t.http.post('/register').send({ email, password: PASSWORD, name: 'Ada' });
      expect(res.status).toBe(202);
      expect((await user(email)).isConfirmed).toBe(false);

      const mail = await nthMailTo(t.mail, email);
      expect(mail.subject).toBe('Confirm your email for Email Auth');
      const code = codeOf(mail);
      expect(mail.html).toContain(code);
      // The link as a button (Handlebars writes the "=" of the query as &#x3D;, as HTML allows).
      expect(mail.html).toMatch(
        /<a href="http:\/\/localhost:3000\/users\/verify\?token[^"]+"[^>]*>Confirm my email<\/a>/,
      );
      expect(mail.html).toContain(tokenOf(mail));
      expect(mail.text).toContain('http://localhost:3000/users/verify?token=');

      const ok = await t.http.post('/register/confirm').send({ email, code });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ email, is_confirmed: true, name: 'Ada', role: 'user' });
      expect(ok.body).not.toHaveProperty('password_hash');
      expect((await user(email)).isConfirmed).toBe(true);

      const login = await t.http.post('/login').send({ email, password: PASSWORD });
      expect(login.status).toBe(200);
      await t.http
        .get('/validate_token')
        .set('Authorization', `Bearer ${login.body.token}`)
        .expect(200);
    });

    it('refuses login before confirmation, only with the right password saying why', async () => {
      const { email } = await signUp('unconfirmed');
      const right = await t.http.post('/login').send({ email, password: PASSWORD });
      expect(right.status).toBe(403);
      expect(right.body.code).toBe('email_not_confirmed');
      const wrong = await t.http.post('/login').send({ email, password: NEW_PASSWORD });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('invalid_credentials');
    });

    it('signs up and confirms by the link: the GET page leaves the user unconfirmed', async () => {
      const { email, token } = await signUp('link');
      const page = await t.http.get(`/users/verify?token=${token}`);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.text).toContain('<form method="post" action="verify">');
      expect(page.text).toContain(`value="${token}"`);
      expect(page.text).not.toMatch(/<script/i);
      // A mail scanner following the link twice confirms nothing.
      await t.http.get(`/users/verify?token=${token}`).expect(200);
      expect((await user(email)).isConfirmed).toBe(false);

      // The page's form posts the token back as a form: the answer is a page too.
      const done = await t.http.post('/users/verify').type('form').send({ token });
      expect(done.status).toBe(200);
      expect(done.headers['content-type']).toMatch(/text\/html/);
      expect(done.text).toContain('confirmed');
      expect((await user(email)).isConfirmed).toBe(true);

      const again = await t.http.post('/users/verify').send({ token });
      expect(again.status).toBe(400);
      expect(again.body.code).toBe('invalid_token');
      const page2 = await t.http.get(`/users/verify?token=${token}`);
      expect(page2.status).toBe(400);
      expect(page2.text).toContain('does not work');
    });

    it('confirms by link with JSON for API clients', async () => {
      const { email, token } = await signUp('json');
      const res = await t.http.post('/users/verify').send({ token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ email, is_confirmed: true, is_active: true });
    });

    it('answers the JSON posts of mailed links with Cache-Control: no-store, also when refused', async () => {
      const { token } = await signUp('no-store');
      const ok = await t.http.post('/users/verify').send({ token });
      expect(ok.status).toBe(200);
      expect(ok.headers['cache-control']).toBe('no-store');

      const unknown = 'A'.repeat(43);
      const refused: Array<[string, object]> = [
        ['/users/verify', { token: unknown }],
        ['/users/verify', { token: 'malformed' }],
        ['/password/reset', { token: unknown, new_password: NEW_PASSWORD }],
        ['/account/secure', { token: unknown }],
      ];
      for (const [path, body] of refused) {
        const res = await t.http.post(path).send(body);
        expect(res.status).toBe(400);
        expect(res.headers['cache-control']).toBe('no-store');
      }
    });

    it("forgets the address's wrong codes once its link is used, as a right code does", async () => {
      const { email, token } = await signUp('forget');
      for (let i = 0; i < 3; i++) {
        await t.http.post('/register/confirm').send({ email, code: '999999' }).expect(400);
      }
      const count = async () =>
        (await t.db.query('SELECT hits FROM rate_limits WHERE key = $1', [`otp-fail:${email}`]))
          .length;
      expect(await count()).toBe(1);
      await t.http.post('/users/verify').send({ token }).expect(200);
      expect(await count()).toBe(0);
    });

    it('answers an existing address like a new one and mails it a notice, not a code', async () => {
      const { email } = await signUp('exists');
      await liftCooldown(email);
      const fresh = address('fresh');
      const [again, other] = await Promise.all([
        t.http.post('/register').send({ email, password: 'another long passphrase' }),
        t.http.post('/register').send({ email: fresh, password: 'another long passphrase' }),
      ]);
      expect(again.status).toBe(202);
      expect(again.body).toEqual(other.body);
      const notice = await nthMailTo(t.mail, email, 2);
      expect(notice.subject).toMatch(/tried to sign up/);
      expect(notice.text).not.toMatch(/^ {4}\d{6}$/m);
      expect(await t.db.getRepository(User).countBy({ email })).toBe(1);
    });

    it('refuses a weak password with its reason, before any mail', async () => {
      const email = address('weak');
      const res = await t.http.post('/register').send({ email, password: 'short' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('weak_password');
      expect(await t.db.getRepository(User).countBy({ email })).toBe(0);
    });

    it('refuses unknown fields such as role or is_confirmed', async () => {
      const res = await t.http
        .post('/register')
        .send({ email: address('role'), password: PASSWORD, role: 'admin', is_confirmed: true });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    });
  });

  describe('codes', () => {
    it('refuses a wrong code, then a reused one', async () => {
      const { email, code } = await signUp('reuse');
      const bad = await t.http.post('/register/confirm').send({ email, code: otherCode(code) });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ statusCode: 400, code: 'invalid_code' });
      await t.http.post('/register/confirm').send({ email, code }).expect(200);
      const reused = await t.http.post('/register/confirm').send({ email, code });
      expect(reused.status).toBe(400);
      expect(reused.body.code).toBe('invalid_code');
    });

    it('counts only the latest code: a resend supersedes the earlier code and link', async () => {
      const first = await signUp('supersede');
      await liftCooldown(first.email);
      await t.http.post('/register/resend').send({ email: first.email }).expect(202);
      const second = await nthMailTo(t.mail, first.email, 2);
      if (first.code !== codeOf(second)) {
        const old = await t.http
          .post('/register/confirm')
          .send({ email: first.email, code: first.code });
        expect(old.body.code).toBe('invalid_code');
      }
      const oldLink = await t.http.post('/users/verify').send({ token: first.token });
      expect(oldLink.body.code).toBe('invalid_token');
      await t.http
        .post('/register/confirm')
        .send({ email: first.email, code: codeOf(second) })
        .expect(200);
    });

    it('refuses a code after five wrong tries, even the right one', async () => {
      const { email, code } = await signUp('five');
      for (let i = 0; i < 5; i++) {
        const r = await t.http.post('/register/confirm').send({ email, code: otherCode(code) });
        expect(r.body.code).toBe('invalid_code');
      }
      const right = await t.http.post('/register/confirm').send({ email, code });
      expect(right.status).toBe(400);
      expect(right.body.code).toBe('invalid_code');
      expect((await user(email)).isConfirmed).toBe(false);
    });

    it('locks known and unknown addresses alike after 20 failures (429, Retry-After)', async () => {
      const { email: known } = await signUp('lock');
      const unknown = address('nobody');
      for (let i = 0; i < 20; i++) {
        await t.http.post('/register/confirm').send({ email: known, code: '999999' }).expect(400);
        await t.http.post('/register/confirm').send({ email: unknown, code: '999999' }).expect(400);
      }
      const [a, b] = await Promise.all([
        t.http.post('/register/confirm').send({ email: known, code: '999999' }),
        t.http.post('/register/confirm').send({ email: unknown, code: '999999' }),
      ]);
      expect(a.status).toBe(429);
      expect(a.body.code).toBe('too_many_attempts');
      expect(a.body).toEqual(b.body);
      expect(a.headers['retry-after']).toBe('3600');
      expect(b.headers['retry-after']).toBe(a.headers['retry-after']);
    });
  });

  describe('cooldown', () => {
    it('answers resend and forgot identically for known and unknown addresses', async () => {
      // A confirmed account made without a mail, so both addresses start with no cooldown.
      const known = address('known');
      await t.app.get(UsersRepository).create({ email: known, isConfirmed: false });
      const unknown = address('unknown');
      const pair = (path: string) =>
        Promise.all([
          t.http.post(path).send({ email: known }),
          t.http.post(path).send({ email: unknown }),
        ]);
      const first = await pair('/register/resend');
      expect(first.map((r) => r.status)).toEqual([202, 202]);
      expect(first[0].body).toEqual(first[1].body);

      for (const path of ['/register/resend', '/password/forgot']) {
        const [k, u] = await pair(path);
        expect([k.status, u.status]).toEqual([429, 429]);
        expect(k.body).toEqual(u.body);
        expect(k.headers['retry-after']).toBe(u.headers['retry-after']);
        expect(Number(k.headers['retry-after'])).toBeGreaterThan(50);
        expect(Number(k.headers['retry-after'])).toBeLessThanOrEqual(60);
      }
      // Only the account got a mail.
      await nthMailTo(t.mail, known);
      expect(t.mail.to(unknown)).toHaveLength(0);
    });
  });

  describe('password reset', () => {
    async function confirmedUser(tag: string): Promise<string> {
      const { email, code } = await signUp(tag);
      await t.http.post('/register/confirm').send({ email, code }).expect(200);
      await liftCooldown(email);
      return email;
    }

    it('resets by code; the old code cannot be used again', async () => {
      const email = await confirmedUser('reset-code');
      await t.http.post('/password/forgot').send({ email }).expect(202);
      const mail = await nthMailTo(t.mail, email, 2);
      expect(mail.subject).toMatch(/Reset your/);
      const code = codeOf(mail);

      const weak = await t.http
        .post('/password/reset')
        .send({ email, code, new_password: 'short' });
      expect(weak.body.code).toBe('weak_password');
      // A refused password does not use up the code.
      const ok = await t.http
        .post('/password/reset')
        .send({ email, code, new_password: NEW_PASSWORD });
      expect(ok.status).toBe(200);
      const again = await t.http
        .post('/password/reset')
        .send({ email, code, new_password: NEW_PASSWORD });
      expect(again.body.code).toBe('invalid_code');
    });

    it('ends every session of the user and lifts the login throttle', async () => {
      const email = await confirmedUser('reset-sessions');
      const tokens: string[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await t.http.post('/login').send({ email, password: PASSWORD }).expect(200);
        tokens.push(res.body.token);
      }
      // Five wrong passwords: the address now has to wait before another login.
      for (let i = 0; i < 5; i++) {
        await t.http.post('/login').send({ email, password: 'not the password at all' });
      }
      const throttled = await t.http.post('/login').send({ email, password: PASSWORD });
      expect(throttled.status).toBe(429);

      await t.http.post('/password/forgot').send({ email }).expect(202);
      const code = codeOf(await nthMailTo(t.mail, email, 2));
      await t.http
        .post('/password/reset')
        .send({ email, code, new_password: NEW_PASSWORD })
        .expect(200);

      for (const token of tokens) {
        await t.http.get('/validate_token').set('Authorization', `Bearer ${token}`).expect(401);
      }
      await t.http.post('/login').send({ email, password: NEW_PASSWORD }).expect(200);
      await t.http.post('/login').send({ email, password: PASSWORD }).expect(401);
    });

    it('resets by link through its page and form', async () => {
      const email = await confirmedUser('reset-link');
      await t.http.post('/password/forgot').send({ email }).expect(202);
      const token = tokenOf(await nthMailTo(t.mail, email, 2));
      const page = await t.http.get(`/password/reset?token=${token}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('name="new_password"');
      expect(page.text).not.toMatch(/<script/i);
      const done = await t.http
        .post('/password/reset')
        .type('form')
        .send({ token, new_password: NEW_PASSWORD });
      expect(done.status).toBe(200);
      expect(done.text).toContain('Password changed');
      const reused = await t.http
        .post('/password/reset')
        .send({ token, new_password: NEW_PASSWORD });
      expect(reused.body.code).toBe('invalid_token');
    });

    it('refuses a confirmation link as a reset link (bound to its purpose)', async () => {
      const { token } = await signUp('purpose');
      const res = await t.http.post('/password/reset').send({ token, new_password: NEW_PASSWORD });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_token');
    });

    it('wants either email and code, or token', async () => {
      const res = await t.http
        .post('/password/reset')
        .send({ email: address('x'), new_password: NEW_PASSWORD });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    });
  });

  describe('accounts that admins create', () => {
    it('mails an invitation whose code also sets the password', async () => {
      const email = address('invited');
      await t.db.transaction(async (m) => {
        const u = await t.app.get(UsersRepository).create({ email }, m);
        await t.app.get(AccountMailService).sendInvitation(m, u, { setPassword: true });
      });
      const mail = await nthMailTo(t.mail, email);
      expect(mail.subject).toMatch(/new Email Auth account/);
      expect(mail.text).toContain('choose your password');
      const code = codeOf(mail);
      const without = await t.http.post('/register/confirm').send({ email, code });
      expect(without.body.code).toBe('password_required');
      const ok = await t.http
        .post('/register/confirm')
        .send({ email, code, password: NEW_PASSWORD });
      expect(ok.status).toBe(200);
      expect(ok.body.is_confirmed).toBe(true);
      const withHash = await t.app.get(UsersRepository).findWithPasswordByEmail(email);
      expect(withHash?.passwordHash).toMatch(/^\$pb1\$/);
    });

    it('shows a password field on the page of an invitation link', async () => {
      const email = address('invited-link');
      await t.db.transaction(async (m) => {
        const u = await t.app.get(UsersRepository).create({ email }, m);
        await t.app.get(AccountMailService).sendInvitation(m, u, { setPassword: true });
      });
      const token = tokenOf(await nthMailTo(t.mail, email));
      const page = await t.http.get(`/users/verify?token=${token}`);
      expect(page.text).toContain('name="password"');
      const ok = await t.http
        .post('/users/verify')
        .type('form')
        .send({ token, password: NEW_PASSWORD });
      expect(ok.status).toBe(200);
      expect((await user(email)).isConfirmed).toBe(true);
    });
  });

  it('records the actions without any code or token', async () => {
    const records = await t.db.getRepository(AuditRecord).find();
    const actions = new Set(records.map((r) => `${r.action}:${r.outcome}`));
    for (const a of [
      'register:success',
      'email_confirm:success',
      'email_confirm:invalid_code',
      'email_confirm:too_many_attempts',
      'register_resend:success',
      'register_resend:too_many_requests',
      'password_forgot:success',
      'password_reset:success',
      'password_reset:invalid_token',
    ]) {
      expect(actions).toContain(a);
    }
    const codes = t.mail.messages.flatMap((m) => {
      const c = /^ {4}(\d{6})$/m.exec(m.text ?? '');
      const tk = /\?token=([A-Za-z0-9_-]{43})/.exec(m.text ?? '');
      return [c?.[1], tk?.[1]].filter((x): x is string => !!x);
    });
    const stored = JSON.stringify(records);
    for (const secret of codes) expect(stored).not.toContain(secret);
  });
});

describe('the per-IP limit on the self-service routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ IP_RATE_LIMIT: '4', IP_RATE_WINDOW: '5m' });
  });
  afterAll(() => t.destroy());

  it('is one count shared by login, register, confirm, resend and forgot-password', async () => {
    const email = 'ip-limit@example.com';
    await t.http.post('/login').send({ email, password: PASSWORD }).expect(401);
    await t.http.post('/register').send({ email, password: PASSWORD }).expect(202);
    await t.http.post('/register/confirm').send({ email, code: '000000' }).expect(400);
    await t.http.post('/password/forgot').send({ email: 'other@example.com' }).expect(202);
    for (const [path, body] of [
      ['/register/resend', { email }],
      ['/login', { email, password: PASSWORD }],
      ['/register', { email: 'x@example.com', password: PASSWORD }],
    ] as const) {
      const res = await t.http.post(path).send(body);
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 429,
        code: 'too_many_requests',
      });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Routes outside the limit still answer.
    await t.http.get('/health').expect(200);
  });
});

describe('sign-up with SIGNUP_ENABLED=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ SIGNUP_ENABLED: 'false' });
  });
  afterAll(() => t.destroy());

  it('refuses sign-up with 403 signup_disabled and creates no account', async () => {
    const res = await t.http.post('/register').send({ email: 'x@example.com', password: PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('signup_disabled');
    expect(await t.db.getRepository(User).countBy({ email: 'x@example.com' })).toBe(0);
  });
});
