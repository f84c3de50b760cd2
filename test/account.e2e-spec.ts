import type { FindOptionsWhere } from 'typeorm';
import { AuditChain } from '../src/audit/audit-chain';
import { AuditRecord } from '../src/audit/audit-record.entity';
import { RateLimitService } from '../src/common/rate-limit/rate-limit.service';
import { User } from '../src/users/user.entity';
import { bearer, createUser, GOOD_PASSWORD, loginToken, uniqueEmail } from './support/factories';
import { codeOf, nthMailTo, tokenOf } from './support/mail-helpers';
import { addPasskey } from './support/passkeys';
import { startApp, TestApp } from './support/test-app';

describe('the signed-in user’s own account', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.destroy());

  const otherCode = (code: string) => (code === '000000' ? '000001' : '000000');
  const records = (where: FindOptionsWhere<AuditRecord>) =>
    t.db.getRepository(AuditRecord).find({ where, order: { id: 'ASC' } });
  const signedIn = async (fields: Partial<User> = {}) => {
    const u = await createUser(t, fields);
    return { u, token: await loginToken(t, u.email) };
  };
  /** An account without a password, signed in by an emailed code (its first mail). */
  const signedInByCode = async () => {
    const u = await createUser(t, { password: null });
    await t.http.post('/login/code').send({ email: u.email });
    const login = await t.http
      .post('/login/code/verify')
      .send({ email: u.email, code: codeOf(await nthMailTo(t.mail, u.email)) });
    return { u, token: login.body.token as string };
  };

  describe('GET and PUT /me', () => {
    it('answers the caller with locale and mfa_enabled, never a hash', async () => {
      const { u, token } = await signedIn({ name: 'Ada' });
      const res = await t.http.get('/me').set(bearer(token));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: Number(u.id),
        email: u.email,
        name: 'Ada',
        locale: 'en',
        mfa_enabled: false,
        is_confirmed: true,
      });
      expect(JSON.stringify(res.body)).not.toMatch(/hash|\$2[aby]\$/);
      expect((await t.http.get('/me')).status).toBe(401);
    });

    it('changes name, surname and locale, audited as profile_update with the changed fields', async () => {
      const { u, token } = await signedIn();
      const res = await t.http
        .put('/me')
        .set(bearer(token))
        .send({ name: 'Grace', surname: 'Hopper', locale: 'ru' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'Grace', surname: 'Hopper', locale: 'ru' });
      const stored = await t.db.getRepository(User).findOneByOrFail({ id: u.id });
      expect(stored).toMatchObject({ name: 'Grace', surname: 'Hopper', locale: 'ru' });
      const [rec] = await records({ action: 'profile_update', targetId: u.id });
      expect(rec).toMatchObject({ outcome: 'success', actorId: u.id });
      expect(rec.details).toEqual({ changed: ['locale', 'name', 'surname'] });
    });

    it('refuses unknown fields, an unsupported locale and null with 400', async () => {
      const { u, token } = await signedIn();
      for (const body of [
        { email: 'x@example.com' },
        { role: 'root' },
        { is_confirmed: false },
        { locale: 'xx' },
        { name: null },
        { name: 'a'.repeat(101) },
      ]) {
        const res = await t.http.put('/me').set(bearer(token)).send(body);
        expect({ body, status: res.status, code: res.body.code }).toEqual({
          body,
          status: 400,
          code: 'validation_failed',
        });
      }
      const stored = await t.db.getRepository(User).findOneByOrFail({ id: u.id });
      expect(stored).toMatchObject({ email: u.email, role: 'user', locale: 'en' });
    });
  });

  describe('email change', () => {
    it('changes the address only once the new one is confirmed, then the new one logs in and the old one does not', async () => {
      const { u, token } = await signedIn();
      const newEmail = uniqueEmail('moved');
      const put = (body: object) => t.http.put('/me/email').set(bearer(token)).send(body);

      const wrong = await put({ email: newEmail, password: 'not my password at all' });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('invalid_current_password');

      const res = await put({ email: newEmail.toUpperCase(), password: GOOD_PASSWORD });
      expect(res.status).toBe(202);
      const confirmMail = await nthMailTo(t.mail, newEmail);
      expect(confirmMail.subject).toBe('Confirm your new email for Email Auth');
      expect(confirmMail.text).toContain('/me/email/verify?token=');
      const notice = await nthMailTo(t.mail, u.email);
      expect(notice.subject).toBe('A change of your Email Auth sign-in email was requested');
      expect(notice.text).toContain(newEmail);

      // Until confirmed, nothing moved: the old address still signs in, the new one does not.
      expect((await t.http.get('/me').set(bearer(token))).body.email).toBe(u.email);
      await loginToken(t, u.email);
      expect(
        (await t.http.post('/login').send({ email: newEmail, password: GOOD_PASSWORD })).status,
      ).toBe(401);

      const code = codeOf(confirmMail);
      const confirm = (c: string) =>
        t.http.post('/me/email/confirm').set(bearer(token)).send({ code: c });
      const bad = await confirm(otherCode(code));
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('invalid_code');

      const ok = await confirm(code);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ email: newEmail, is_confirmed: true });
      expect((await confirm(code)).body.code).toBe('invalid_code');

      const done = await nthMailTo(t.mail, u.email, 2);
      expect(done.subject).toBe('Your Email Auth sign-in email was changed');
      expect(done.text).toContain(newEmail);

      await loginToken(t, newEmail);
      const old = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
      expect(old.status).toBe(401);
      expect(old.body.code).toBe('invalid_credentials');
      // The session it was asked from lives on.
      expect((await t.http.get('/validate_token').set(bearer(token))).body.email).toBe(newEmail);

      const requests = await records({ action: 'email_change_request', actorId: u.id });
      expect(requests.map((r) => r.outcome)).toEqual(['invalid_current_password', 'success']);
      const [change] = await records({
        action: 'email_change',
        outcome: 'success',
        targetId: u.id,
      });
      expect(change).toMatchObject({ actorEmail: u.email, targetEmail: newEmail });
      expect(change.details).toEqual({ via: 'code' });
    });

    /** A signed-in user with a change to a new address pending, and the token of its link. */
    const pendingChange = async (tag: string) => {
      const { u, token } = await signedIn();
      const newEmail = uniqueEmail(tag);
      await t.http
        .put('/me/email')
        .set(bearer(token))
        .send({ email: newEmail, password: GOOD_PASSWORD });
      return { u, newEmail, link: tokenOf(await nthMailTo(t.mail, newEmail)) };
    };

    it('confirms by the link too, from a browser without a session', async () => {
      const { u, newEmail, link } = await pendingChange('link');

      const page = await t.http.get(`/me/email/verify?token=${link}`);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.text).toContain(newEmail);
      const res = await t.http.post('/me/email/verify').type('form').send({ token: link });
      expect(res.status).toBe(200);
      expect(res.text).toContain(newEmail);
      expect((await t.db.getRepository(User).findOneByOrFail({ id: u.id })).email).toBe(newEmail);
      const again = await t.http.post('/me/email/verify').send({ token: link });
      expect(again.status).toBe(400);
      expect(again.body.code).toBe('invalid_token');
    });

    it('answers the JSON post of the link with Cache-Control: no-store, also when refused', async () => {
      const { link } = await pendingChange('link-no-store');

      const ok = await t.http.post('/me/email/verify').send({ token: link });
      expect(ok.status).toBe(200);
      expect(ok.headers['cache-control']).toBe('no-store');
      const again = await t.http.post('/me/email/verify').send({ token: link });
      expect(again.status).toBe(400);
      expect(again.headers['cache-control']).toBe('no-store');
    });

    it('answers an address of another account with the same 202, changes nothing, and tells its owner', async () => {
      const a = await signedIn();
      const b = await signedIn();
      const owner = await createUser(t);
      const free = uniqueEmail('free');

      const taken = await t.http
        .put('/me/email')
        .set(bearer(a.token))
        .send({ email: owner.email, password: GOOD_PASSWORD });
      const fresh = await t.http
        .put('/me/email')
        .set(bearer(b.token))
        .send({ email: free, password: GOOD_PASSWORD });
      expect(taken.status).toBe(202);
      expect(taken.body).toEqual(fresh.body);

      const ownerNotice = await nthMailTo(t.mail, owner.email);
      expect(ownerNotice.subject).toBe('Someone tried to use your address at Email Auth');
      expect(ownerNotice.text).not.toMatch(/\b\d{6}\b/);
      // The requester's own mailbox gets the same notice either way.
      expect((await nthMailTo(t.mail, a.u.email)).subject).toBe(
        (await nthMailTo(t.mail, b.u.email)).subject,
      );
      // And their own audit records (which their export shows) look the same.
      const [ra] = await records({ action: 'email_change_request', actorId: a.u.id });
      const [rb] = await records({ action: 'email_change_request', actorId: b.u.id });
      expect(ra.details).toEqual(rb.details);

      const confirm = await t.http
        .post('/me/email/confirm')
        .set(bearer(a.token))
        .send({ code: '123456' });
      expect(confirm.body.code).toBe('invalid_code');
      expect((await t.db.getRepository(User).findOneByOrFail({ id: a.u.id })).email).toBe(
        a.u.email,
      );
      expect((await t.db.getRepository(User).findOneByOrFail({ id: owner.id })).email).toBe(
        owner.email,
      );
    });

    it('applies a change once when its code and its link are used at the same time', async () => {
      const { u, token } = await signedIn();
      const newEmail = uniqueEmail('twice');
      await t.http
        .put('/me/email')
        .set(bearer(token))
        .send({ email: newEmail, password: GOOD_PASSWORD })
        .expect(202);
      const mail = await nthMailTo(t.mail, newEmail);
      const [byCode, byCodeAgain, byLink] = await Promise.all([
        t.http
          .post('/me/email/confirm')
          .set(bearer(token))
          .send({ code: codeOf(mail) }),
        t.http
          .post('/me/email/confirm')
          .set(bearer(token))
          .send({ code: codeOf(mail) }),
        t.http.post('/me/email/verify').send({ token: tokenOf(mail) }),
      ]);
      const statuses = [byCode.status, byCodeAgain.status, byLink.status];
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 400)).toHaveLength(2);
      expect((await t.db.getRepository(User).findOneByOrFail({ id: u.id })).email).toBe(newEmail);
      const changes = await records({ action: 'email_change', outcome: 'success', targetId: u.id });
      expect(changes).toHaveLength(1);
      // The old address was told once that the change is done.
      const [done] = await t.db.query(
        `SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1 AND template = 'email-changed'`,
        [u.email],
      );
      expect(done.n).toBe(1);
    });

    it('lets a pending change expire with its code', async () => {
      const { u, token } = await signedIn();
      const newEmail = uniqueEmail('late');
      await t.http
        .put('/me/email')
        .set(bearer(token))
        .send({ email: newEmail, password: GOOD_PASSWORD });
      const mail = await nthMailTo(t.mail, newEmail);
      await t.db.query(
        `UPDATE one_time_tokens SET expires_at = now() - interval '1 second' WHERE email = $1`,
        [newEmail],
      );
      const res = await t.http
        .post('/me/email/confirm')
        .set(bearer(token))
        .send({ code: codeOf(mail) });
      expect(res.body.code).toBe('invalid_code');
      expect((await t.http.post('/me/email/verify').send({ token: tokenOf(mail) })).status).toBe(
        400,
      );
      expect((await t.db.getRepository(User).findOneByOrFail({ id: u.id })).email).toBe(u.email);
    });
  });

  describe('email change without a password', () => {
    it('moves an account without a password with a code mailed to its current address', async () => {
      const { u, token } = await signedInByCode();
      const newEmail = uniqueEmail('moved-by-code');
      const put = (body: object) => t.http.put('/me/email').set(bearer(token)).send(body);

      const withPassword = await put({ email: newEmail, password: 'whatever it is' });
      expect([withPassword.status, withPassword.body.code]).toEqual([400, 'code_required']);
      expect(withPassword.body.message).toContain('POST /me/email-code');
      const both = await put({ email: newEmail, password: 'x', code: '123456' });
      expect(both.body.code).toBe('validation_failed');

      // One mail per address a minute: the sign-in code's cooldown is lifted here.
      await t.app.get(RateLimitService).reset(`mail-cooldown:${u.email}`);
      expect((await t.http.post('/me/email-code').set(bearer(token))).status).toBe(202);
      const codeMail = await nthMailTo(t.mail, u.email, 2);
      expect(codeMail.subject).toContain('Confirm the change of address');
      const code = codeOf(codeMail);
      const wrong = await put({ email: newEmail, code: otherCode(code) });
      expect([wrong.status, wrong.body.code]).toEqual([400, 'invalid_code']);

      expect((await put({ email: newEmail, code })).status).toBe(202);
      const confirm = await t.http
        .post('/me/email/confirm')
        .set(bearer(token))
        .send({ code: codeOf(await nthMailTo(t.mail, newEmail)) });
      expect([confirm.status, confirm.body.email]).toEqual([200, newEmail]);
      // The wrong code mailed nothing to the new address: its one mail is the confirmation.
      expect(t.mail.to(newEmail)).toHaveLength(1);
      // The code was used once.
      expect((await put({ email: uniqueEmail('again'), code })).body.code).toBe('invalid_code');
      expect(
        (
          await t.db
            .getRepository(AuditRecord)
            .findBy({ action: 'email_change_code', targetId: u.id })
        ).map((r) => r.outcome),
      ).toEqual(['success']);
    });

    it('mails one address-change code when two are asked for at once', async () => {
      const { u, token } = await signedInByCode();
      await t.app.get(RateLimitService).reset(`mail-cooldown:${u.email}`);
      const answers = await Promise.all(
        [1, 2].map(() => t.http.post('/me/email-code').set(bearer(token))),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([202, 429]);
      const sent = await t.db.getRepository(AuditRecord).findBy({
        action: 'email_change_code',
        targetId: u.id,
        outcome: 'success',
      });
      expect(sent).toHaveLength(1);
    });

    it('refuses an address-change code to an account with a password, and a code instead of it', async () => {
      const { token } = await signedIn();
      const res = await t.http.post('/me/email-code').set(bearer(token));
      expect([res.status, res.body.code]).toEqual([400, 'password_required']);
      const put = await t.http
        .put('/me/email')
        .set(bearer(token))
        .send({ email: uniqueEmail('nope'), code: '123456' });
      expect([put.status, put.body.code]).toEqual([400, 'password_required']);
    });
  });

  describe('DELETE /me', () => {
    it('ends every session at once, frees the address and pseudonymises the audit records', async () => {
      const { u, token } = await signedIn();
      const other = await loginToken(t, u.email);
      expect((await t.http.get('/validate_token').set(bearer(other))).status).toBe(200);

      const wrong = await t.http
        .delete('/me')
        .set(bearer(token))
        .send({ password: 'nope nope nope' });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('invalid_current_password');

      const res = await t.http.delete('/me').set(bearer(token)).send({ password: GOOD_PASSWORD });
      expect(res.status).toBe(204);
      for (const tok of [token, other]) {
        expect((await t.http.get('/validate_token').set(bearer(tok))).status).toBe(401);
      }
      expect(await t.db.getRepository(User).findOneBy({ id: u.id })).toBeNull();

      // The history stays, with the id and without the address.
      const alias = `deleted-user-${u.id}`;
      const mine = await t.db.query(
        `SELECT action, actor_id, actor_email, target_id, target_email FROM audit_log
          WHERE actor_id = $1 OR target_id = $1 ORDER BY id`,
        [u.id],
      );
      expect(mine.map((r: { action: string }) => r.action)).toEqual(
        expect.arrayContaining(['login', 'account_delete']),
      );
      for (const r of mine) {
        if (String(r.actor_id) === u.id) expect(r.actor_email).toBe(alias);
        if (String(r.target_id) === u.id) expect(r.target_email).toBe(alias);
      }
      const [left] = await t.db.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE actor_email = $1 OR target_email = $1`,
        [u.email],
      );
      expect(left.n).toBe(0);
      const [del] = await records({ action: 'account_delete', outcome: 'success', targetId: u.id });
      expect(del.details).toMatchObject({ method: 'password', sessions_ended: 2 });
      expect(Number(del.details.audit_records_pseudonymised)).toBeGreaterThan(0);
      // The hash chain leaves the addresses out, so it still holds over the changed records.
      expect(await t.app.get(AuditChain).verify()).toMatchObject({ ok: true });

      // The address can sign up again, as a new account.
      const again = await t.http
        .post('/register')
        .send({ email: u.email, password: GOOD_PASSWORD });
      expect(again.status).toBe(202);
      const mail = await nthMailTo(t.mail, u.email);
      expect(mail.subject).toBe('Confirm your email for Email Auth');
      const fresh = await t.db.getRepository(User).findOneByOrFail({ email: u.email });
      expect(fresh.id).not.toBe(u.id);
    });

    it('leaves no session usable when logins, token checks and a second deletion run alongside it', async () => {
      const { u, token } = await signedIn();
      const others = await Promise.all([1, 2, 3].map(() => loginToken(t, u.email)));
      const results = await Promise.all([
        t.http.delete('/me').set(bearer(token)).send({ password: GOOD_PASSWORD }),
        t.http.delete('/me').set(bearer(others[0])).send({ password: GOOD_PASSWORD }),
        ...[1, 2, 3, 4].map(() =>
          t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD }),
        ),
        ...others.map((tok) => t.http.get('/me').set(bearer(tok))),
      ]);
      const [first, second, ...rest] = results;
      // One deletion wins; the other finds its session (and account) gone: 401, never a 500.
      expect([first.status, second.status].sort()).toEqual([204, 401]);
      expect([first, second].find((r) => r.status === 401)!.body.code).toBe('invalid_token');
      for (const r of rest) expect(r.status).toBeLessThan(500);
      const issued = rest.map((r) => r.body.token as string | undefined).filter(Boolean);
      for (const tok of [token, ...others, ...(issued as string[])]) {
        expect((await t.http.get('/validate_token').set(bearer(tok))).status).toBe(401);
        expect((await t.http.get('/me').set(bearer(tok))).status).toBe(401);
      }
      const [left] = await t.db.query(
        `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`,
        [u.id],
      );
      expect(left.n).toBe(0);
      expect(await t.db.getRepository(User).findOneBy({ id: u.id })).toBeNull();
      const deletes = await records({
        action: 'account_delete',
        outcome: 'success',
        targetId: u.id,
      });
      expect(deletes).toHaveLength(1);
    });

    it('keeps the audit log append-only for everything but that pseudonymisation', async () => {
      const { u } = await signedIn();
      await expect(
        t.db.query(`UPDATE audit_log SET action = 'x' WHERE target_id = $1`, [u.id]),
      ).rejects.toThrow(/append-only/);
      // The exception holds only for a user that no longer exists.
      await expect(
        t.db.transaction(async (m) => {
          await m.query(`SELECT set_config('audit.pseudonymise_user', $1, true)`, [u.id]);
          await m.query(`UPDATE audit_log SET target_email = $2 WHERE target_id = $1`, [
            u.id,
            `deleted-user-${u.id}`,
          ]);
        }),
      ).rejects.toThrow(/append-only/);
      // Nor, for a deleted user, for any column but the two addresses.
      const gone = await signedIn();
      await t.http.delete('/me').set(bearer(gone.token)).send({ password: GOOD_PASSWORD });
      await expect(
        t.db.transaction(async (m) => {
          await m.query(`SELECT set_config('audit.pseudonymise_user', $1, true)`, [gone.u.id]);
          await m.query(`UPDATE audit_log SET outcome = 'x' WHERE target_id = $1`, [gone.u.id]);
        }),
      ).rejects.toThrow(/append-only/);
    });

    it('deletes an account without a password with a mailed code', async () => {
      const { u, token } = await signedInByCode();

      const withPassword = await t.http.delete('/me').set(bearer(token)).send({ password: 'x' });
      expect(withPassword.body.code).toBe('code_required');
      const both = await t.http
        .delete('/me')
        .set(bearer(token))
        .send({ password: 'x', code: '123456' });
      expect(both.body.code).toBe('validation_failed');

      // One mail per address a minute: the sign-in code's cooldown is lifted here.
      await t.app.get(RateLimitService).reset(`mail-cooldown:${u.email}`);
      expect((await t.http.post('/me/delete-code').set(bearer(token))).status).toBe(202);
      const code = codeOf(await nthMailTo(t.mail, u.email, 2));
      const wrong = await t.http
        .delete('/me')
        .set(bearer(token))
        .send({ code: otherCode(code) });
      expect(wrong.body.code).toBe('invalid_code');
      const res = await t.http.delete('/me').set(bearer(token)).send({ code });
      expect(res.status).toBe(204);
      expect(await t.db.getRepository(User).findOneBy({ id: u.id })).toBeNull();
    });

    it('refuses a delete code to an account with a password', async () => {
      const { token } = await signedIn();
      const res = await t.http.post('/me/delete-code').set(bearer(token));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('password_required');
    });

    it('never lets the last active root delete itself', async () => {
      // Other tests' roots would count: this app's roots are only the ones made here.
      const roots = await t.db.query(`SELECT id FROM users WHERE role = 'root'`);
      expect(roots).toHaveLength(0);
      const root = await signedIn({ role: 'root' });
      const res = await t.http
        .delete('/me')
        .set(bearer(root.token))
        .send({ password: GOOD_PASSWORD });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('last_root');
      expect((await t.http.get('/validate_token').set(bearer(root.token))).status).toBe(200);

      await createUser(t, { role: 'root' });
      const ok = await t.http
        .delete('/me')
        .set(bearer(root.token))
        .send({ password: GOOD_PASSWORD });
      expect(ok.status).toBe(204);
    });
  });

  describe('GET /me/export', () => {
    it('is a JSON attachment of profile, sessions, passkeys, providers and own audit records, with no token, hash, key or code', async () => {
      const { u, token } = await signedIn();
      await t.http.put('/me').set(bearer(token)).send({ name: 'Exported' });
      await addPasskey(t, token, { password: GOOD_PASSWORD }, 'Exported key');
      const res = await t.http.get('/me/export').set(bearer(token)).buffer(true);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="account-${u.id}.json"`,
      );
      expect(res.headers['cache-control']).toBe('no-store');
      const text = res.text;
      const data = JSON.parse(text);
      expect(data.profile).toMatchObject({ id: Number(u.id), email: u.email, name: 'Exported' });
      expect(data.sessions).toHaveLength(1);
      expect(data.sessions[0].current).toBe(true);
      expect(data.passkeys).toEqual([expect.objectContaining({ name: 'Exported key' })]);
      expect(data.identities).toEqual([]);
      expect(data.audit_records.map((r: { action: string }) => r.action)).toEqual(
        expect.arrayContaining(['login', 'profile_update']),
      );

      const [session] = await t.db.query(`SELECT token_hash FROM sessions WHERE user_id = $1`, [
        u.id,
      ]);
      const [stored] = await t.db.query(`SELECT password_hash FROM users WHERE id = $1`, [u.id]);
      expect(text).not.toContain(token);
      expect(text).not.toContain(session.token_hash);
      expect(text).not.toContain(stored.password_hash);
      expect(text).not.toMatch(/token_hash|password_hash|\$2[aby]\$/);
      const [key] = await t.db.query(
        `SELECT encode(public_key, 'base64') AS pk, credential_id FROM passkeys WHERE user_id = $1`,
        [u.id],
      );
      expect(text).not.toContain(key.pk);
      expect(text).not.toContain(key.credential_id);

      const [rec] = await records({ action: 'account_export', targetId: u.id });
      expect(rec).toMatchObject({ outcome: 'success', actorId: u.id });
    });
  });

  it('documents every route in OpenAPI with its errors', async () => {
    const doc = (await t.http.get('/docs-json')).body;
    const expected: Record<string, Record<string, string[]>> = {
      '/me': { get: ['200'], put: ['200', '400'], delete: ['204', '400', '409'] },
      '/me/email': { put: ['202', '400', '429'] },
      '/me/email/confirm': { post: ['200', '400'] },
      '/me/email/verify': { get: ['200', '400'], post: ['200', '400'] },
      '/me/delete-code': { post: ['202', '400'] },
      '/me/email-code': { post: ['202', '400'] },
      '/me/export': { get: ['200'] },
    };
    for (const [path, methods] of Object.entries(expected)) {
      for (const [method, statuses] of Object.entries(methods)) {
        for (const s of statuses) {
          expect({ path, method, s, ok: !!doc.paths[path]?.[method]?.responses?.[s] }).toEqual({
            path,
            method,
            s,
            ok: true,
          });
        }
      }
    }
  });
});
