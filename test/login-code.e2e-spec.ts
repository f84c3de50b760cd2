import { AuditRecord } from '../src/audit/audit-record.entity';
import { AuthService } from '../src/auth/auth.service';
import { RateLimitService } from '../src/common/rate-limit/rate-limit.service';
import { User } from '../src/users/user.entity';
import { bearer, createUser, loginToken, uniqueEmail } from './support/factories';
import { codeOf, nthMailTo } from './support/mail-helpers';
import { startApp, TestApp } from './support/test-app';

describe('sign-in by emailed code', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.destroy());

  const ask = (email: string) => t.http.post('/login/code').send({ email });
  const verify = (email: string, code: string) =>
    t.http.post('/login/code/verify').send({ email, code });
  const otherCode = (code: string) => (code === '000000' ? '000001' : '000000');
  const liftCooldown = (email: string) =>
    t.app.get(RateLimitService).reset(`mail-cooldown:${email}`);
  /** What a request wrote for an address: its code rows and its queued mails. */
  const writes = async (email: string) => {
    const [codes] = await t.db.query(
      `SELECT count(*)::int AS n FROM one_time_tokens WHERE email = $1 AND purpose = 'login'`,
      [email],
    );
    const [mails] = await t.db.query(
      `SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1`,
      [email],
    );
    return { codes: codes.n as number, mails: mails.n as number };
  };

  it('signs a known user in with the code of the real mail, audited with method "code"', async () => {
    const u = await createUser(t);
    const res = await ask(u.email);
    expect(res.status).toBe(202);
    const mail = await nthMailTo(t.mail, u.email);
    expect(mail.subject).toMatch(/^Your Email Auth sign-in code: \d{6}$/);
    expect(mail.text).not.toContain('?token=');

    const ok = await verify(u.email, codeOf(mail));
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(Object.keys(ok.body).sort()).toEqual([
      'expires_at',
      'session_id',
      'token',
      'token_type',
    ]);
    const me = await t.http.get('/validate_token').set(bearer(ok.body.token));
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(u.email);

    const records = await t.db
      .getRepository(AuditRecord)
      .find({ where: { action: 'login', targetId: u.id } });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'success', actorId: u.id });
    expect(records[0].details).toMatchObject({ method: 'code', session_id: ok.body.session_id });

    // Single use.
    expect((await verify(u.email, codeOf(mail))).body.code).toBe('invalid_code');
  });

  it('answers known, unknown, blocked and unconfirmed addresses identically, and writes codes only for those it mails', async () => {
    const known = await createUser(t);
    const blocked = await createUser(t, { isActive: false });
    const unconfirmed = await createUser(t, { isConfirmed: false });
    const unknown = uniqueEmail('nobody');
    const all = [known.email, unknown, blocked.email, unconfirmed.email];

    const first = await Promise.all(all.map((e) => ask(e)));
    for (const r of first) {
      expect(r.status).toBe(202);
      expect(r.body).toEqual(first[0].body);
    }
    // The known and the unconfirmed address got a code and a mail; for the unknown and the
    // blocked one the same writes were rehearsed and undone (equal-work.e2e compares them).
    expect(await writes(known.email)).toEqual({ codes: 1, mails: 1 });
    expect(await writes(unconfirmed.email)).toEqual({ codes: 1, mails: 1 });
    expect(await writes(unknown)).toEqual({ codes: 0, mails: 0 });
    expect(await writes(blocked.email)).toEqual({ codes: 0, mails: 0 });

    // The cooldown answers alike, Retry-After included.
    const again = await Promise.all(all.map((e) => ask(e)));
    for (const r of again) {
      expect(r.status).toBe(429);
      expect(r.body).toEqual(again[0].body);
      expect(r.headers['retry-after']).toBe(again[0].headers['retry-after']);
    }

    // A wrong code: the same 400 for all four.
    const wrong = await Promise.all(all.map((e) => verify(e, '123456')));
    for (const r of wrong) {
      expect(r.status).toBe(400);
      expect(r.body).toEqual(wrong[0].body);
    }
    expect(wrong[0].body.code).toBe('invalid_code');
  });

  it('confirms an unconfirmed address with its first code sign-in', async () => {
    const u = await createUser(t, { isConfirmed: false });
    // The password login refuses it until then.
    expect(
      (await t.http.post('/login').send({ email: u.email, password: u.password })).status,
    ).toBe(403);
    await ask(u.email);
    const ok = await verify(u.email, codeOf(await nthMailTo(t.mail, u.email)));
    expect(ok.status).toBe(200);
    expect((await t.db.getRepository(User).findOneByOrFail({ id: u.id })).isConfirmed).toBe(true);
    expect(
      (await t.http.post('/login').send({ email: u.email, password: u.password })).status,
    ).toBe(200);
  });

  it('never gives a blocked user a session, even with a code sent before the block', async () => {
    const u = await createUser(t);
    await ask(u.email);
    const code = codeOf(await nthMailTo(t.mail, u.email));
    await t.db.getRepository(User).update({ id: u.id }, { isActive: false });
    const res = await verify(u.email, code);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_code');
    const [sessions] = await t.db.query(
      'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1',
      [u.id],
    );
    expect(sessions.n).toBe(0);
  });

  describe('a code sign-in in flight while the account changes', () => {
    afterEach(() => jest.restoreAllMocks());

    /** Runs `meanwhile` after the code was checked and before the session is opened. */
    async function verifyWhile(email: string, meanwhile: () => Promise<unknown>) {
      await liftCooldown(email);
      const before = (
        await t.db.query(`SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1`, [
          email,
        ])
      )[0].n as number;
      await ask(email).expect(202);
      const code = codeOf(await nthMailTo(t.mail, email, before + 1));
      const auth = t.app.get(AuthService);
      const original = auth.completeFirstFactor.bind(auth);
      jest.spyOn(auth, 'completeFirstFactor').mockImplementationOnce(async (...args) => {
        await meanwhile();
        return original(...args);
      });
      return verify(email, code);
    }

    async function expectNoSession(res: { status: number; body: { code?: string } }, id: string) {
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_code');
      const [live] = await t.db.query(
        `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`,
        [id],
      );
      expect(live.n).toBe(0);
    }

    it('gets no session when the user is blocked meanwhile', async () => {
      const admin = await createUser(t, { role: 'root' });
      const adminToken = await loginToken(t, admin.email);
      const u = await createUser(t);
      const res = await verifyWhile(u.email, () =>
        t.http
          .put('/users/status/change')
          .set(bearer(adminToken))
          .send({ user_id: Number(u.id), is_active: false })
          .expect(200),
      );
      await expectNoSession(res, u.id);
    });

    it('gets no session when the password is reset meanwhile', async () => {
      const u = await createUser(t);
      const res = await verifyWhile(u.email, async () => {
        await liftCooldown(u.email);
        await t.http.post('/password/forgot').send({ email: u.email }).expect(202);
        const n = (
          await t.db.query(`SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1`, [
            u.email,
          ])
        )[0].n as number;
        const code = codeOf(await nthMailTo(t.mail, u.email, n));
        await t.http
          .post('/password/reset')
          .send({ email: u.email, code, new_password: 'a completely different passphrase' })
          .expect(200);
      });
      await expectNoSession(res, u.id);
    });
  });

  it('burns a code after five wrong tries, and takes no code of another purpose', async () => {
    const u = await createUser(t);
    await ask(u.email);
    const code = codeOf(await nthMailTo(t.mail, u.email));
    for (let i = 0; i < 5; i++) {
      expect((await verify(u.email, otherCode(code))).body.code).toBe('invalid_code');
    }
    expect((await verify(u.email, code)).body.code).toBe('invalid_code');

    // A confirmation code of a sign-up is not a sign-in code.
    const email = uniqueEmail('signup');
    await t.http.post('/register').send({ email, password: 'purple elephants dance quietly' });
    const confirm = codeOf(await nthMailTo(t.mail, email));
    expect((await verify(email, confirm)).body.code).toBe('invalid_code');
  });

  it('refuses an address for an hour after twenty wrong codes (429)', async () => {
    const u = await createUser(t);
    for (let i = 0; i < 4; i++) {
      await liftCooldown(u.email);
      await ask(u.email);
      const code = codeOf(await nthMailTo(t.mail, u.email, i + 1));
      for (let j = 0; j < 5; j++) await verify(u.email, otherCode(code));
    }
    await liftCooldown(u.email);
    await ask(u.email);
    const code = codeOf(await nthMailTo(t.mail, u.email, 5));
    const res = await verify(u.email, code);
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('too_many_attempts');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(3500);
  });

  it('documents both routes in OpenAPI', async () => {
    const doc = (await t.http.get('/docs-json')).body;
    for (const status of ['202', '400', '403', '429']) {
      expect(doc.paths['/login/code'].post.responses).toHaveProperty(status);
    }
    expect(doc.paths['/login/code/verify'].post.responses).toHaveProperty('400');
  });

  describe('with LOGIN_CODE_ENABLED=false', () => {
    let off: TestApp;
    beforeAll(async () => {
      off = await startApp({ LOGIN_CODE_ENABLED: 'false' });
    });
    afterAll(() => off.destroy());

    it('answers 403 login_code_disabled and mails nothing', async () => {
      const u = await createUser(off);
      const res = await off.http.post('/login/code').send({ email: u.email });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('login_code_disabled');
      const v = await off.http.post('/login/code/verify').send({ email: u.email, code: '123456' });
      expect(v.body.code).toBe('login_code_disabled');
      const [mails] = await off.db.query('SELECT count(*)::int AS n FROM mail_outbox');
      expect(mails.n).toBe(0);
    });
  });
});
