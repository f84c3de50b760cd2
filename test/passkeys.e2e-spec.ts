import { ChangeEvents } from '../src/events/change-events.service';
import type { ChangeSignal } from '../src/events/change-event';
import { eventually } from './support/eventually';
import { bearer, createUser, GOOD_PASSWORD, loginToken } from './support/factories';
import { codeOf, mailTo } from './support/mail-helpers';
import { controlClock, enableTotp, totpCode } from './support/mfa';
import { SoftAuthenticator } from './support/soft-authenticator';
import { startApp, TestApp } from './support/test-app';

const ORIGIN = 'https://auth.example.test';
const ROOT = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'passkeys spec root password' };

describe('passkeys (WebAuthn)', () => {
  let t: TestApp;
  let clock: ReturnType<typeof controlClock>;

  beforeAll(async () => {
    // WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS unset: both come from PUBLIC_URL.
    t = await startApp({ ...ROOT, PUBLIC_URL: ORIGIN });
    clock = controlClock(t);
  });
  afterAll(() => t.destroy());

  type Options = {
    challenge: string;
    rp: { id: string; name: string };
    user: { id: string; name: string; displayName: string };
    excludeCredentials: { id: string }[];
    authenticatorSelection: Record<string, unknown>;
    attestation: string;
    timeout: number;
  };

  async function creationOptions(token: string, body: object = { password: GOOD_PASSWORD }) {
    const res = await t.http.post('/me/passkeys/options').set(bearer(token)).send(body);
    expect(res.status).toBe(200);
    return res.body as { challenge_id: string; options: Options };
  }

  /** A signed-in user and a passkey on `auth`, added through the API. */
  async function userWithPasskey(auth = new SoftAuthenticator({ origin: ORIGIN })) {
    const user = await createUser(t);
    const token = await loginToken(t, user.email);
    const { challenge_id, options } = await creationOptions(token);
    const added = await t.http
      .post('/me/passkeys')
      .set(bearer(token))
      .send({ challenge_id, response: auth.create(options), name: 'Phone' });
    expect(added.status).toBe(201);
    return { user, token, auth, passkey: added.body as { id: string; name: string } };
  }

  async function signInOptions() {
    const res = await t.http.post('/login/passkey/options');
    expect(res.status).toBe(200);
    return res.body as {
      challenge_id: string;
      options: { challenge: string; rpId: string; allowCredentials: { id: string }[] };
    };
  }

  async function auditOf(userId: string, action: string) {
    return t.db.query<
      { outcome: string; actor_id: string | null; details: Record<string, unknown> }[]
    >(
      'SELECT outcome, actor_id, details FROM audit_log WHERE target_id = $1 AND action = $2 ORDER BY id',
      [userId, action],
    );
  }

  describe('enrolment', () => {
    it('asks for the owner proof: no password, a wrong one, then the right one', async () => {
      const user = await createUser(t);
      const token = await loginToken(t, user.email);
      const none = await t.http.post('/me/passkeys/options').set(bearer(token)).send({});
      expect(none.status).toBe(400);
      expect(none.body.code).toBe('password_required');
      const wrong = await t.http
        .post('/me/passkeys/options')
        .set(bearer(token))
        .send({ password: 'not the password at all' });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('invalid_current_password');

      const { challenge_id, options } = await creationOptions(token);
      expect(challenge_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(options.rp).toEqual({ id: 'auth.example.test', name: 'Email Auth' });
      expect(options.authenticatorSelection).toMatchObject({
        residentKey: 'required',
        userVerification: 'preferred',
      });
      expect(options.attestation).toBe('none');
      expect(options.excludeCredentials).toEqual([]);
      expect(options.timeout).toBe(300_000);
    });

    it('takes a fresh session instead of a password from an account without one, not an old one', async () => {
      const user = await createUser(t, { password: null });
      const code = await t.http.post('/login/code').send({ email: user.email });
      expect(code.status).toBe(202);
      const mail = await mailTo(t.mail, user.email, /code/i);
      const signedIn = await t.http
        .post('/login/code/verify')
        .send({ email: user.email, code: codeOf(mail) });
      expect(signedIn.status).toBe(200);
      const token = signedIn.body.token as string;

      await creationOptions(token, {});
      clock.advance(11 * 60_000);
      const stale = await t.http.post('/me/passkeys/options').set(bearer(token)).send({});
      expect(stale.status).toBe(403);
      expect(stale.body.code).toBe('reauthentication_required');
    });

    it('gives each account a random user handle, never its id or address, the same every time', async () => {
      const a = await createUser(t);
      const b = await createUser(t);
      const tokenA = await loginToken(t, a.email);
      const first = (await creationOptions(tokenA)).options.user;
      const second = (await creationOptions(tokenA)).options.user;
      const other = (await creationOptions(await loginToken(t, b.email))).options.user;
      const handle = Buffer.from(first.id, 'base64url');
      expect(handle).toHaveLength(32);
      // 32 random bytes: neither the id nor the address, in any encoding a client might read.
      for (const known of [String(a.id), a.email]) {
        expect(handle.equals(Buffer.from(known))).toBe(false);
        expect(handle.includes(Buffer.from(a.email))).toBe(false);
        expect(first.id).not.toBe(Buffer.from(known).toString('base64url'));
      }
      expect(second.id).toBe(first.id);
      expect(other.id).not.toBe(first.id);
      expect(first.name).toBe(a.email);
    });

    it('adds a passkey: 201, listed, counted by /me and /validate_token, audited, a user change, a notice mail', async () => {
      const heard: ChangeSignal[] = [];
      const unsubscribe = t.app.get(ChangeEvents).subscribe((s) => heard.push(s));
      try {
        const { user, token, passkey } = await userWithPasskey();
        expect(passkey).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          name: 'Phone',
          created_at: expect.any(String),
          last_used_at: null,
          backed_up: false,
          transports: ['internal'],
        });
        const list = await t.http.get('/me/passkeys').set(bearer(token));
        expect(list.body).toEqual({ passkeys: [passkey] });
        expect((await t.http.get('/me').set(bearer(token))).body.passkeys).toBe(1);
        expect((await t.http.get('/validate_token').set(bearer(token))).body.passkeys).toBe(1);
        expect(await auditOf(user.id, 'passkey_add')).toEqual([
          expect.objectContaining({
            outcome: 'success',
            details: expect.objectContaining({ key_id: passkey.id }),
          }),
        ]);
        // On PostgreSQL the event comes back through NOTIFY, possibly after the answer.
        await eventually(
          async () => heard.some((e) => e.type === 'user' && e.user_id === Number(user.id)),
          'the user change event',
        );
        const mail = await mailTo(t.mail, user.email, /passkey was added/i);
        expect(mail.text).toContain('Phone');
      } finally {
        unsubscribe();
      }
    });

    it('mails the notice in the account’s language (ru)', async () => {
      const user = await createUser(t, { locale: 'ru' });
      const token = await loginToken(t, user.email);
      const { challenge_id, options } = await creationOptions(token);
      const auth = new SoftAuthenticator({ origin: ORIGIN });
      const res = await t.http
        .post('/me/passkeys')
        .set(bearer(token))
        .send({ challenge_id, response: auth.create(options) });
      expect(res.status).toBe(201);
      const mail = await mailTo(t.mail, user.email, /ключ доступа/);
      expect(mail.text).toContain('С ключом доступа');
    });

    it('uses a challenge once: the same answer again is 400 invalid_passkey', async () => {
      const user = await createUser(t);
      const token = await loginToken(t, user.email);
      const { challenge_id, options } = await creationOptions(token);
      const response = new SoftAuthenticator({ origin: ORIGIN }).create(options);
      const first = await t.http
        .post('/me/passkeys')
        .set(bearer(token))
        .send({ challenge_id, response });
      expect(first.status).toBe(201);
      const again = await t.http
        .post('/me/passkeys')
        .set(bearer(token))
        .send({ challenge_id, response });
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject({ statusCode: 400, code: 'invalid_passkey' });
    });

    it('refuses a challenge of another session, an expired one, and a wrong origin', async () => {
      const user = await createUser(t);
      const token = await loginToken(t, user.email);
      const otherSession = await loginToken(t, user.email);
      const auth = new SoftAuthenticator({ origin: ORIGIN });

      const a = await creationOptions(token);
      const foreign = await t.http
        .post('/me/passkeys')
        .set(bearer(otherSession))
        .send({ challenge_id: a.challenge_id, response: auth.create(a.options) });
      expect(foreign.status).toBe(400);
      expect(foreign.body.code).toBe('invalid_passkey');

      const b = await creationOptions(token);
      await t.db.query(
        `UPDATE webauthn_challenges SET expires_at = now() - interval '1 second' WHERE id = $1`,
        [b.challenge_id],
      );
      const expired = await t.http
        .post('/me/passkeys')
        .set(bearer(token))
        .send({ challenge_id: b.challenge_id, response: auth.create(b.options) });
      expect(expired.status).toBe(400);
      expect(expired.body.code).toBe('invalid_passkey');

      const c = await creationOptions(token);
      const phished = await t.http
        .post('/me/passkeys')
        .set(bearer(token))
        .send({
          challenge_id: c.challenge_id,
          response: auth.create(c.options, { origin: 'https://auth.example.test.evil.example' }),
        });
      expect(phished.status).toBe(400);
      expect(phished.body.code).toBe('invalid_passkey');
      expect((await t.http.get('/me/passkeys').set(bearer(token))).body.passkeys).toEqual([]);
    });

    it('lists the account’s passkeys in excludeCredentials, and refuses a registered credential with 409', async () => {
      const { auth, token } = await userWithPasskey();
      const again = await creationOptions(token);
      expect(again.options.excludeCredentials).toEqual([
        expect.objectContaining({
          id: auth.credentials[0].id.toString('base64url'),
          type: 'public-key',
        }),
      ]);
      // A browser refuses on its own; an authenticator that does not still meets the server.
      expect(() => auth.create(again.options)).toThrow(/InvalidStateError/);
      const duplicate = await t.http
        .post('/me/passkeys')
        .set(bearer(token))
        .send({
          challenge_id: again.challenge_id,
          response: auth.create(again.options, { reuse: auth.credentials[0] }),
        });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.code).toBe('passkey_exists');
    });
  });

  describe('managing passkeys', () => {
    it('renames and removes with the owner proof; another user’s passkey is 404', async () => {
      const { user, token, passkey } = await userWithPasskey();
      const other = await userWithPasskey();

      const renamed = await t.http
        .patch(`/me/passkeys/${passkey.id}`)
        .set(bearer(token))
        .send({ name: 'Laptop' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id: passkey.id, name: 'Laptop' });
      expect((await auditOf(user.id, 'passkey_rename')).at(-1)).toMatchObject({
        outcome: 'success',
        details: { key_id: passkey.id },
      });
      const notMine = await t.http
        .patch(`/me/passkeys/${other.passkey.id}`)
        .set(bearer(token))
        .send({ name: 'Mine now' });
      expect(notMine.status).toBe(404);
      expect(notMine.body.code).toBe('passkey_not_found');
      const notAnId = await t.http
        .delete('/me/passkeys/nope')
        .set(bearer(token))
        .send({ password: GOOD_PASSWORD });
      expect(notAnId.status).toBe(404);

      const wrong = await t.http
        .delete(`/me/passkeys/${passkey.id}`)
        .set(bearer(token))
        .send({ password: 'not the password at all' });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('invalid_current_password');
      const foreign = await t.http
        .delete(`/me/passkeys/${other.passkey.id}`)
        .set(bearer(token))
        .send({ password: GOOD_PASSWORD });
      expect(foreign.status).toBe(404);

      const heard: ChangeSignal[] = [];
      const unsubscribe = t.app.get(ChangeEvents).subscribe((s) => heard.push(s));
      const removed = await t.http
        .delete(`/me/passkeys/${passkey.id}`)
        .set(bearer(token))
        .send({ password: GOOD_PASSWORD });
      expect(removed.status).toBe(204);
      // On PostgreSQL the event comes back through NOTIFY, possibly after the answer.
      await eventually(
        async () => heard.some((e) => e.type === 'user' && e.user_id === Number(user.id)),
        'the user change event',
      ).finally(unsubscribe);
      expect((await t.http.get('/validate_token').set(bearer(token))).body.passkeys).toBe(0);
      expect((await t.http.get('/me/passkeys').set(bearer(token))).body.passkeys).toEqual([]);
      expect((await auditOf(user.id, 'passkey_remove')).map((r) => r.outcome)).toContain('success');
      await mailTo(t.mail, user.email, /passkey was removed/i);
    });

    it('goes with the account: deleting the user deletes its passkeys', async () => {
      const { user } = await userWithPasskey();
      await t.db.query('DELETE FROM users WHERE id = $1', [user.id]);
      const left = await t.db.query('SELECT id FROM passkeys WHERE user_id = $1', [user.id]);
      expect(left).toEqual([]);
    });
  });

  describe('sign-in', () => {
    it('signs in without a username: aal 2 when the authenticator verified the user', async () => {
      const { user, auth, passkey } = await userWithPasskey();
      const { challenge_id, options } = await signInOptions();
      expect(options.allowCredentials).toEqual([]);
      expect(options.rpId).toBe('auth.example.test');
      const res = await t.http
        .post('/login/passkey')
        .send({ challenge_id, response: auth.get(options) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ token_type: 'Bearer', session_id: expect.any(String) });
      const who = await t.http.get('/validate_token').set(bearer(res.body.token));
      expect(who.body).toMatchObject({ email: user.email, session: { aal: 2 } });
      expect(String(who.body.id)).toBe(String(user.id));
      const login = (await auditOf(user.id, 'login')).at(-1)!;
      expect(login).toMatchObject({
        outcome: 'success',
        details: { method: 'passkey', aal: 2, key_id: passkey.id },
      });
      const listed = await t.http.get('/me/passkeys').set(bearer(res.body.token));
      expect(listed.body.passkeys[0].last_used_at).not.toBeNull();
    });

    it('gives aal 1 when the authenticator did not verify the user', async () => {
      const { auth } = await userWithPasskey(
        new SoftAuthenticator({ origin: ORIGIN, userVerification: false }),
      );
      const { challenge_id, options } = await signInOptions();
      const res = await t.http
        .post('/login/passkey')
        .send({ challenge_id, response: auth.get(options) });
      expect(res.status).toBe(200);
      const who = await t.http.get('/validate_token').set(bearer(res.body.token));
      expect(who.body.session.aal).toBe(1);
    });

    it('accepts a synced passkey whose counter stays 0', async () => {
      const { auth } = await userWithPasskey(
        new SoftAuthenticator({ origin: ORIGIN, counterStep: 0, backedUp: true }),
      );
      for (let i = 0; i < 2; i++) {
        const { challenge_id, options } = await signInOptions();
        const res = await t.http
          .post('/login/passkey')
          .send({ challenge_id, response: auth.get(options) });
        expect(res.status).toBe(200);
      }
    });

    it('refuses a counter that did not grow, and records it', async () => {
      const { user, auth } = await userWithPasskey();
      const first = await signInOptions();
      const ok = await t.http.post('/login/passkey').send({
        challenge_id: first.challenge_id,
        response: auth.get(first.options, { counter: 5 }),
      });
      expect(ok.status).toBe(200);
      const second = await signInOptions();
      const cloned = await t.http.post('/login/passkey').send({
        challenge_id: second.challenge_id,
        response: auth.get(second.options, { counter: 5 }),
      });
      expect(cloned.status).toBe(401);
      expect(cloned.body).toMatchObject({ statusCode: 401, code: 'invalid_passkey' });
      const recorded = await auditOf(user.id, 'passkey_counter_regressed');
      expect(recorded).toHaveLength(1);
      expect(recorded[0].details).toMatchObject({ stored_counter: 5, counter: 5 });
    });

    it('answers a blocked user as a wrong password (401 invalid_credentials)', async () => {
      const { user, auth } = await userWithPasskey();
      await t.db.query('UPDATE users SET is_active = false, blocked_until = NULL WHERE id = $1', [
        user.id,
      ]);
      const { challenge_id, options } = await signInOptions();
      const res = await t.http
        .post('/login/passkey')
        .send({ challenge_id, response: auth.get(options) });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
    });

    it('refuses an unknown credential, a wrong origin, a spent and an expired challenge with 401 invalid_passkey', async () => {
      const { auth } = await userWithPasskey();
      const stranger = new SoftAuthenticator({ origin: ORIGIN });
      stranger.create({ challenge: 'x', rp: { id: 'auth.example.test' }, user: { id: 'AAAA' } });

      const a = await signInOptions();
      const unknown = await t.http
        .post('/login/passkey')
        .send({ challenge_id: a.challenge_id, response: stranger.get(a.options) });
      expect(unknown.status).toBe(401);
      expect(unknown.body.code).toBe('invalid_passkey');
      expect(unknown.headers['www-authenticate']).toBe('Bearer');

      const b = await signInOptions();
      const phished = await t.http.post('/login/passkey').send({
        challenge_id: b.challenge_id,
        response: auth.get(b.options, { origin: 'https://evil.example' }),
      });
      expect(phished.status).toBe(401);
      expect(phished.body.code).toBe('invalid_passkey');
      // The spent challenge of `b` cannot be tried again with a good answer.
      const spent = await t.http
        .post('/login/passkey')
        .send({ challenge_id: b.challenge_id, response: auth.get(b.options) });
      expect(spent.status).toBe(401);

      const c = await signInOptions();
      await t.db.query(
        `UPDATE webauthn_challenges SET expires_at = now() - interval '1 second' WHERE id = $1`,
        [c.challenge_id],
      );
      const expired = await t.http
        .post('/login/passkey')
        .send({ challenge_id: c.challenge_id, response: auth.get(c.options) });
      expect(expired.status).toBe(401);
      expect(expired.body.code).toBe('invalid_passkey');
    });

    it('redeems a challenge once under parallel requests', async () => {
      const { auth } = await userWithPasskey(
        new SoftAuthenticator({ origin: ORIGIN, counterStep: 0 }),
      );
      const { challenge_id, options } = await signInOptions();
      const response = auth.get(options);
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          t.http.post('/login/passkey').send({ challenge_id, response }),
        ),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
    });

    it('is throttled per IP like /login', async () => {
      const limited = await startApp({ PUBLIC_URL: ORIGIN, IP_RATE_LIMIT: '2' });
      try {
        const statuses = [];
        for (let i = 0; i < 3; i++)
          statuses.push((await limited.http.post('/login/passkey/options')).status);
        expect(statuses).toEqual([200, 200, 429]);
      } finally {
        await limited.destroy();
      }
    });
  });

  describe('at the second-factor step', () => {
    it('lists passkey only for a user who has one, and a passkey answer opens an aal 2 session', async () => {
      const { user, token, auth } = await userWithPasskey();
      await enableTotp(t, token, clock.now());
      clock.advance(30_000);
      const plain = await createUser(t);
      await enableTotp(t, await loginToken(t, plain.email), clock.now());
      clock.advance(30_000);

      const plainLogin = await t.http
        .post('/login')
        .send({ email: plain.email, password: GOOD_PASSWORD });
      expect(plainLogin.body.methods).toEqual(['totp', 'recovery_code']);

      const first = await t.http
        .post('/login')
        .send({ email: user.email, password: GOOD_PASSWORD });
      expect(first.body).toMatchObject({
        mfa_required: true,
        methods: ['totp', 'recovery_code', 'passkey'],
      });
      const mfa_token = first.body.mfa_token as string;

      const opts = await t.http.post('/login/mfa/passkey/options').send({ mfa_token });
      expect(opts.status).toBe(200);
      expect(opts.body.options.allowCredentials).toEqual([
        expect.objectContaining({ id: auth.credentials[0].id.toString('base64url') }),
      ]);
      const bad = await t.http
        .post('/login/mfa/passkey/options')
        .send({ mfa_token: 'x'.repeat(43) });
      expect(bad.status).toBe(401);
      expect(bad.body.code).toBe('invalid_mfa_token');

      // An answer to other options (a challenge of its own) is a wrong answer and costs a try.
      const stray = await signInOptions();
      const wrong = await t.http
        .post('/login/mfa')
        .send({ mfa_token, passkey: auth.get({ ...stray.options, allowCredentials: [] }) });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('invalid_passkey');

      const again = await t.http.post('/login/mfa/passkey/options').send({ mfa_token });
      const res = await t.http
        .post('/login/mfa')
        .send({ mfa_token, passkey: auth.get(again.body.options) });
      expect(res.status).toBe(200);
      const who = await t.http.get('/validate_token').set(bearer(res.body.token));
      expect(who.body.session.aal).toBe(2);
      expect((await auditOf(user.id, 'login')).at(-1)!.details).toMatchObject({
        method: 'passkey',
        first_factor: 'password',
        aal: 2,
      });

      const both = await t.http.post('/login/mfa').send({
        mfa_token,
        code: totpCode('A'.repeat(32), clock.now()),
        passkey: auth.get(again.body.options),
      });
      expect(both.status).toBe(400);
    });

    it('asks a TOTP user for the second factor after a passkey without user verification', async () => {
      const { token, auth } = await userWithPasskey(
        new SoftAuthenticator({ origin: ORIGIN, userVerification: false }),
      );
      const { secret } = await enableTotp(t, token, clock.now());
      clock.advance(30_000);
      const { challenge_id, options } = await signInOptions();
      const first = await t.http
        .post('/login/passkey')
        .send({ challenge_id, response: auth.get(options) });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ mfa_required: true });
      const second = await t.http
        .post('/login/mfa')
        .send({ mfa_token: first.body.mfa_token, code: totpCode(secret, clock.now()) });
      expect(second.status).toBe(200);
    });
  });

  describe('admin', () => {
    it('lists and removes a user’s passkeys under the role rules, audited with the admin as actor', async () => {
      const admin = await createUser(t, { role: 'admin' });
      const adminToken = await loginToken(t, admin.email);
      const rootToken = await loginToken(t, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
      const { user, passkey, token: userToken } = await userWithPasskey();
      const otherAdmin = await createUser(t, { role: 'admin' });
      const adminKeys = await userWithPasskeyFor(otherAdmin);

      const listed = await t.http.get(`/users/${user.id}/passkeys`).set(bearer(adminToken));
      expect(listed.status).toBe(200);
      expect(listed.body.passkeys.map((p: { id: string }) => p.id)).toEqual([passkey.id]);
      const byUser = await t.http.get(`/users/${user.id}/passkeys`).set(bearer(userToken));
      expect(byUser.status).toBe(403);

      const notAllowed = await t.http
        .delete(`/users/${otherAdmin.id}/passkeys/${adminKeys.id}`)
        .set(bearer(adminToken));
      expect(notAllowed.status).toBe(403);
      expect(notAllowed.body.code).toBe('insufficient_role');
      const byRoot = await t.http
        .delete(`/users/${otherAdmin.id}/passkeys/${adminKeys.id}`)
        .set(bearer(rootToken));
      expect(byRoot.status).toBe(204);

      const someoneElse = await createUser(t);
      const wrongUser = await t.http
        .delete(`/users/${someoneElse.id}/passkeys/${passkey.id}`)
        .set(bearer(adminToken));
      expect(wrongUser.status).toBe(404);
      const removed = await t.http
        .delete(`/users/${user.id}/passkeys/${passkey.id}`)
        .set(bearer(adminToken));
      expect(removed.status).toBe(204);
      const records = await auditOf(user.id, 'passkey_remove');
      expect(records.at(-1)).toMatchObject({ outcome: 'success', actor_id: String(admin.id) });
      await mailTo(t.mail, user.email, /passkey was removed/i);
      expect(
        (await t.http.get(`/users/${user.id}/passkeys`).set(bearer(adminToken))).body.passkeys,
      ).toEqual([]);
    });

    async function userWithPasskeyFor(u: { email: string }) {
      const token = await loginToken(t, u.email);
      const { challenge_id, options } = await creationOptions(token);
      const res = await t.http
        .post('/me/passkeys')
        .set(bearer(token))
        .send({
          challenge_id,
          response: new SoftAuthenticator({ origin: ORIGIN }).create(options),
        });
      expect(res.status).toBe(201);
      return res.body as { id: string };
    }
  });

  describe('bad WebAuthn JSON', () => {
    it('answers 400 in the error shape, never 500', async () => {
      const user = await createUser(t);
      const token = await loginToken(t, user.email);
      const { challenge_id, options } = await creationOptions(token);
      const good = new SoftAuthenticator({ origin: ORIGIN }).create(options);
      const bodies: unknown[] = [
        { challenge_id, response: 'nope' },
        { challenge_id, response: {} },
        { challenge_id, response: { ...good, response: null } },
        {
          challenge_id,
          response: { ...good, response: { ...good.response, clientDataJSON: '%%%' } },
        },
        { challenge_id, response: { ...good, type: 'password' } },
        { challenge_id: 'not-a-uuid', response: good },
        { challenge_id, response: good, extra: 1 },
      ];
      for (const body of bodies) {
        const res = await t.http
          .post('/me/passkeys')
          .set(bearer(token))
          .send(body as object);
        expect({ body, status: res.status, code: res.body.code }).toEqual({
          body,
          status: 400,
          code: 'validation_failed',
        });
      }
      // Well-formed JSON whose bytes are garbage reaches the library, which refuses it: 400 too.
      const garbage = {
        ...good,
        response: { ...good.response, attestationObject: 'AAAA', clientDataJSON: 'e30' },
      };
      const res = await t.http
        .post('/me/passkeys')
        .set(bearer(token))
        .send({ challenge_id, response: garbage });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_passkey');

      const login = await signInOptions();
      const rubbish = await t.http.post('/login/passkey').send({
        challenge_id: login.challenge_id,
        response: {
          ...good,
          response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' },
        },
      });
      expect(rubbish.status).toBe(401);
      expect(rubbish.body.code).toBe('invalid_passkey');
      const notJson = await t.http
        .post('/login/passkey')
        .set('Content-Type', 'application/json')
        .send('{"challenge_id": ');
      expect(notJson.status).toBe(400);
    });
  });
});
