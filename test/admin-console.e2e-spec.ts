import { bearer, createUser, loginToken } from './support/factories';
import { controlClock, createUserWithTotp, enableTotp, totpCode } from './support/mfa';
import { cookieOf } from './support/cookies';
import { startApp, TestApp } from './support/test-app';
import { pageText, scriptImports } from './support/ui-text';

const ROOT = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'console root password 2026' };
const CSRF = { 'X-CSRF-Protection': '1' };

const consoleCookieOf = (setCookie: string[] | string | undefined) =>
  cookieOf(setCookie, '__Host-console');

describe('the admin console: its page and its cookie session (AUTH_COOKIE off)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ ...ROOT, AUTH_COOKIE: 'false' });
  });
  afterAll(() => t.destroy());

  const signIn = (email: string, password: string) =>
    t.http.post('/admin/session').set(CSRF).send({ email, password });

  it('serves the page in the language of Accept-Language, English otherwise, under the CSP', async () => {
    const ru = await t.http.get('/admin').set('Accept-Language', 'ru-RU,ru;q=0.9,en;q=0.5');
    expect(ru.status).toBe(200);
    expect(ru.headers['content-type']).toMatch(/^text\/html/);
    expect(ru.text).toContain('<html lang="ru" data-session="none">');
    expect(ru.text).toContain('Консоль администратора');
    const de = await t.http.get('/admin').set('Accept-Language', 'de-DE');
    expect(de.text).toContain('<html lang="en"');
    const none = await t.http.get('/admin');
    expect(none.text).toContain('<html lang="en"');
    const csp = String(none.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // Nothing inline that the CSP would refuse, and nothing from another origin.
    expect(none.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(none.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves only the files of admin/, as JavaScript or CSS, and 404 otherwise', async () => {
    const js = await t.http.get('/admin/assets/app.js').expect(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.text).toContain("from './api.js'");
    const css = await t.http.get('/admin/assets/page.css').expect(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    for (const path of [
      '/admin/assets/index.html',
      '/admin/assets/nope.js',
      '/admin/assets/..%2Fpackage.json',
      '/admin/assets/%2E%2E%2F%2E%2E%2Fpackage.json',
    ]) {
      const res = await t.http.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.body.code).toBe('not_found');
    }
    // Every script the page imports is there (a typo would break the console only in a browser).
    for (const imported of scriptImports('admin')) {
      await t.http.get(`/admin/assets/${imported}`).expect(200);
    }
  });

  it('signs a root in with an HttpOnly, Secure, SameSite=Strict cookie and no token in the body', async () => {
    const res = await signIn(ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ email: ROOT.ADMIN_EMAIL, role: 'root' });
    expect(res.body.session.id).toEqual(expect.any(String));
    expect(res.body.token).toBeUndefined();
    const { pair, attrs } = consoleCookieOf(res.headers['set-cookie']);
    expect(attrs).toMatch(/HttpOnly/i);
    expect(attrs).toMatch(/Secure/i);
    expect(attrs).toMatch(/SameSite=Strict/i);
    expect(attrs).toMatch(/Path=\//);
    expect(JSON.stringify(res.body)).not.toContain(pair.split('=')[1]);

    const me = await t.http.get('/admin/session').set('Cookie', pair).expect(200);
    expect(me.body).toMatchObject({
      email: ROOT.ADMIN_EMAIL,
      session: { id: res.body.session.id },
    });
    // The page then knows there is a cookie to ask about.
    const page = await t.http.get('/admin').set('Cookie', pair);
    expect(page.text).toContain('data-session="cookie"');
  });

  it('accepts the console cookie on admin routes only, and a write only with the CSRF header', async () => {
    const { pair } = consoleCookieOf(
      (await signIn(ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD).expect(200)).headers['set-cookie'],
    );
    await t.http.get('/users/list').set('Cookie', pair).expect(200);
    await t.http.get('/mail/outbox').set('Cookie', pair).expect(200);
    // Not a session for the rest of the API (AUTH_COOKIE is off): the console cookie is no token.
    await t.http.get('/validate_token').set('Cookie', pair).expect(401);
    await t.http.get('/sessions').set('Cookie', pair).expect(401);
    await t.http.post('/logout').set('Cookie', pair).set(CSRF).expect(401);

    const target = await createUser(t);
    const body = { user_id: Number(target.id), is_active: false };
    const refused = await t.http.put('/users/status/change').set('Cookie', pair).send(body);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('csrf_header_missing');
    const [{ is_active }] = await t.db.query('SELECT is_active FROM users WHERE id = $1', [
      target.id,
    ]);
    expect(is_active).toBe(true);
    await t.http.put('/users/status/change').set('Cookie', pair).set(CSRF).send(body).expect(200);
  });

  it('refuses a sign-in without the CSRF header, with a wrong password, and for a plain user', async () => {
    const noHeader = await t.http
      .post('/admin/session')
      .send({ email: ROOT.ADMIN_EMAIL, password: ROOT.ADMIN_PASSWORD });
    expect(noHeader.status).toBe(403);
    expect(noHeader.body.code).toBe('csrf_header_missing');
    expect(noHeader.headers['set-cookie']).toBeUndefined();

    const wrong = await signIn(ROOT.ADMIN_EMAIL, 'not the password at all');
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_credentials');
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const plain = await createUser(t);
    const res = await signIn(plain.email, plain.password);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('not_an_admin');
    expect(res.headers['set-cookie']).toBeUndefined();
    // The session the login opened was ended at once, and the refusal is in the history.
    const live = await t.db.query(
      'SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
      [plain.id],
    );
    expect(live).toEqual([]);
    const rootToken = await loginToken(t, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    const history = await t.http
      .get(`/users/actions?users=${plain.id}&actions=access_denied`)
      .set('Authorization', `Bearer ${rootToken}`)
      .expect(200);
    expect(history.body.records[0]).toMatchObject({
      outcome: 'not_an_admin',
      target_email: plain.email,
    });
  });

  describe('an admin with a second factor', () => {
    const second = (body: object) => t.http.post('/admin/session/mfa').set(CSRF).send(body);

    it('signs in through the second step (a TOTP or a recovery code), with the cookie only at the end', async () => {
      const clock = controlClock(t);
      const {
        user: admin,
        secret,
        recoveryCodes,
      } = await createUserWithTotp(t, clock, { role: 'admin' });
      const step = await signIn(admin.email, admin.password).expect(200);
      expect(step.body).toMatchObject({ mfa_required: true, methods: ['totp', 'recovery_code'] });
      expect(step.body.mfa_token).toEqual(expect.any(String));
      expect(step.headers['set-cookie']).toBeUndefined();

      const noHeader = await t.http
        .post('/admin/session/mfa')
        .send({ mfa_token: step.body.mfa_token, code: totpCode(secret, clock.now()) });
      expect([noHeader.status, noHeader.body.code]).toEqual([403, 'csrf_header_missing']);
      const wrong = await second({
        mfa_token: step.body.mfa_token,
        code: totpCode(secret, clock.now() + 10 * 60_000),
      });
      expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_mfa_code']);
      expect(wrong.headers['set-cookie']).toBeUndefined();
      const ok = await second({
        mfa_token: step.body.mfa_token,
        code: totpCode(secret, clock.now()),
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ email: admin.email, session: { aal: 2 } });
      expect(ok.body.token).toBeUndefined();
      const { pair } = consoleCookieOf(ok.headers['set-cookie']);
      const me = await t.http.get('/admin/session').set('Cookie', pair).expect(200);
      expect(me.body).toMatchObject({ mfa_enabled: true, session: { aal: 2 } });
      // The mfa_token was used up by the sign-in.
      const reused = await second({
        mfa_token: step.body.mfa_token,
        code: totpCode(secret, clock.now()),
      });
      expect([reused.status, reused.body.code]).toEqual([401, 'invalid_mfa_token']);

      const byRecovery = await second({
        mfa_token: (await signIn(admin.email, admin.password).expect(200)).body.mfa_token,
        recovery_code: recoveryCodes[0],
      });
      expect(byRecovery.status).toBe(200);
      consoleCookieOf(byRecovery.headers['set-cookie']);
    });

    it('asks no second factor of a plain user: refused at the first step, the mfa_token ended', async () => {
      const clock = controlClock(t);
      const { user: plain } = await createUserWithTotp(t, clock);
      const res = await signIn(plain.email, plain.password);
      expect([res.status, res.body.code]).toEqual([403, 'not_an_admin']);
      expect(res.body.mfa_token).toBeUndefined();
      const pending = await t.db.query('SELECT 1 FROM mfa_challenges WHERE user_id = $1', [
        plain.id,
      ]);
      expect(pending).toEqual([]);
    });
  });

  it("shows and resets a user's second factor by the role rules of updates (GET and DELETE /users/:id/mfa)", async () => {
    const clock = controlClock(t);
    const admin = await createUser(t, { role: 'admin' });
    const { pair } = consoleCookieOf(
      (await signIn(admin.email, admin.password).expect(200)).headers['set-cookie'],
    );
    const user = await createUser(t);
    const userToken = await loginToken(t, user.email, user.password);
    await enableTotp(t, userToken, clock.now());
    const { user: otherAdmin } = await createUserWithTotp(t, clock, { role: 'admin' });

    const state = (id: string) => t.http.get(`/users/${id}/mfa`).set('Cookie', pair);
    expect((await state(user.id).expect(200)).body).toEqual({ mfa_enabled: true });
    expect((await state(otherAdmin.id).expect(200)).body).toEqual({ mfa_enabled: true });
    // An admin may not reset another admin's factor; only a root may.
    const denied = await t.http.delete(`/users/${otherAdmin.id}/mfa`).set('Cookie', pair).set(CSRF);
    expect([denied.status, denied.body.code]).toEqual([403, 'insufficient_role']);
    const noHeader = await t.http.delete(`/users/${user.id}/mfa`).set('Cookie', pair);
    expect([noHeader.status, noHeader.body.code]).toEqual([403, 'csrf_header_missing']);
    await t.http.delete(`/users/${user.id}/mfa`).set('Cookie', pair).set(CSRF).expect(204);
    expect((await state(user.id)).body).toEqual({ mfa_enabled: false });
    await t.http.get('/validate_token').set(bearer(userToken)).expect(401);
    const rootToken = await loginToken(t, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    await t.http.delete(`/users/${otherAdmin.id}/mfa`).set(bearer(rootToken)).expect(204);
  });

  it('signs out: the session ends, the cookie is cleared and no longer accepted', async () => {
    const { pair } = consoleCookieOf(
      (await signIn(ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD).expect(200)).headers['set-cookie'],
    );
    await t.http.delete('/admin/session').set('Cookie', pair).expect(403);
    const out = await t.http.delete('/admin/session').set('Cookie', pair).set(CSRF).expect(204);
    expect(String(out.headers['set-cookie'])).toMatch(/__Host-console=;.*Expires=Thu, 01 Jan 1970/);
    await t.http.get('/admin/session').set('Cookie', pair).expect(401);
    await t.http.get('/users/list').set('Cookie', pair).expect(401);
  });

  it("lists a user's live sessions for an admin (GET /users/:id/sessions), 404 for no such user", async () => {
    const rootToken = await loginToken(t, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    const user = await createUser(t);
    const userToken = await loginToken(t, user.email, user.password);
    const res = await t.http
      .get(`/users/${user.id}/sessions`)
      .set('Authorization', `Bearer ${rootToken}`)
      .expect(200);
    expect(res.body.sessions).toHaveLength(1);
    expect(res.body.sessions[0]).toMatchObject({ current: false, ip: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toContain(userToken);
    await t.http
      .get(`/users/${user.id}/sessions`)
      .set('Authorization', `Bearer ${userToken}`)
      .expect(403);
    for (const id of ['999999999', 'abc']) {
      const missing = await t.http
        .get(`/users/${id}/sessions`)
        .set('Authorization', `Bearer ${rootToken}`);
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('user_not_found');
    }
  });

  it('has every UI text in English and Russian, and every key the pages use', () => {
    const { en, ru, used } = pageText('admin', ['signin', 'user', 'invite', 'outbox', 'mfa']);
    expect([...ru].sort()).toEqual([...en].sort());
    expect([...used].filter((k) => !en.has(k))).toEqual([]);
  });
});
