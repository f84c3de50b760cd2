import { readFileSync } from 'node:fs';
import { bearer, createUser, GOOD_PASSWORD, uniqueEmail } from './support/factories';
import { nthMailTo, tokenOf } from './support/mail-helpers';
import { controlClock, createUserWithTotp, totpCode } from './support/mfa';
import { cookieOf } from './support/cookies';
import { startApp, TestApp } from './support/test-app';
import { pageText, scriptImports } from './support/ui-text';

const CSRF = { 'X-CSRF-Protection': '1' };
const ASK_COOKIE = { ...CSRF, 'X-Account-Cookie': '1' };

const accountCookieOf = (setCookie: string[] | string | undefined) =>
  cookieOf(setCookie, '__Host-account');

describe('the account page: its files and its cookie session (AUTH_COOKIE off)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ AUTH_COOKIE: 'false' });
  });
  afterAll(() => t.destroy());

  it('serves the page in the language of Accept-Language, English otherwise, under the CSP', async () => {
    const ru = await t.http.get('/account').set('Accept-Language', 'ru-RU,ru;q=0.9,en;q=0.5');
    expect(ru.status).toBe(200);
    expect(ru.headers['content-type']).toMatch(/^text\/html/);
    expect(ru.text).toContain('<html lang="ru" data-session="none">');
    expect(ru.text).toContain('<title>Ваш аккаунт</title>');
    expect(ru.text).toContain('src="/account/assets/app.js"');
    const de = await t.http.get('/account').set('Accept-Language', 'de-DE');
    expect(de.text).toContain('<html lang="en"');
    expect(de.text).toContain('<title>Your account</title>');
    const csp = String(de.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(de.headers['vary']).toMatch(/Accept-Language/);
    // Nothing inline that the CSP would refuse, and nothing from another origin.
    expect(de.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(de.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves every file the page imports, its own, the shared ones and the QR library, from this server', async () => {
    const names = new Set(['app.js', 'page.css', 'qr.js', ...scriptImports('account')]);
    for (const name of names) {
      const res = await t.http.get(`/account/assets/${name}`);
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
      expect(res.headers['content-type']).toMatch(/^text\/(javascript|css); charset=utf-8$/);
      // Offline: no script or style reaches for another origin.
      expect({
        name,
        external: /(import|from|url\()\s*['"(]?\s*(https?:)?\/\//.test(res.text),
      }).toEqual({
        name,
        external: false,
      });
    }
    const qr = await t.http.get('/account/assets/qr.js').expect(200);
    expect(qr.text).toBe(readFileSync(require.resolve('qr'), 'utf8'));
    expect(qr.text).toContain('export function encodeQR');
    // The console gets the shared files too, but not the account page's own.
    await t.http.get('/admin/assets/dom.js').expect(200);
    await t.http.get('/admin/assets/signin.js').expect(404);
    for (const path of [
      '/account/assets/index.html',
      '/account/assets/nope.js',
      '/account/assets/..%2Fpackage.json',
      '/account/assets/%2E%2E%2Fadmin%2Fapp.js',
    ]) {
      const res = await t.http.get(path);
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 404,
        code: 'not_found',
      });
    }
  });

  it('sets the HttpOnly account cookie on a sign-in that asks for it, and not otherwise', async () => {
    const user = await createUser(t);
    const plain = await t.http.post('/login').send({ email: user.email, password: user.password });
    expect(plain.status).toBe(200);
    expect(plain.headers['set-cookie']).toBeUndefined();

    const asked = await t.http
      .post('/login')
      .set(ASK_COOKIE)
      .send({ email: user.email, password: user.password })
      .expect(200);
    const { pair, attrs } = accountCookieOf(asked.headers['set-cookie']);
    expect(attrs).toMatch(/HttpOnly/i);
    expect(attrs).toMatch(/Secure/i);
    expect(attrs).toMatch(/SameSite=Strict/i);
    expect(attrs).toMatch(/Path=\//);
    const me = await t.http.get('/validate_token').set('Cookie', pair).expect(200);
    expect(me.body).toMatchObject({ email: user.email, session: { id: asked.body.session_id } });
    // The page then knows there is a cookie to ask about.
    expect((await t.http.get('/account').set('Cookie', pair)).text).toContain(
      'data-session="cookie"',
    );

    const wrong = await t.http
      .post('/login')
      .set(ASK_COOKIE)
      .send({ email: user.email, password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('accepts the account cookie on the self-service routes, writes only with the CSRF header, never on admin routes', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const { pair } = accountCookieOf(
      (
        await t.http
          .post('/login')
          .set(ASK_COOKIE)
          .send({ email: admin.email, password: admin.password })
          .expect(200)
      ).headers['set-cookie'],
    );
    await t.http.get('/me').set('Cookie', pair).expect(200);
    await t.http.get('/sessions').set('Cookie', pair).expect(200);
    const refused = await t.http.put('/me').set('Cookie', pair).send({ name: 'Forged' });
    expect([refused.status, refused.body.code]).toEqual([403, 'csrf_header_missing']);
    const [row] = await t.db.query('SELECT name FROM users WHERE id = $1', [admin.id]);
    expect(row.name).not.toBe('Forged');
    const ok = await t.http
      .put('/me')
      .set('Cookie', pair)
      .set(CSRF)
      .send({ name: 'Ada' })
      .expect(200);
    expect(ok.body.name).toBe('Ada');
    // An admin's account cookie is no console session.
    await t.http.get('/users/list').set('Cookie', pair).expect(401);
    await t.http.get('/admin/session').set('Cookie', pair).expect(401);
  });

  it('gives the cookie at the second step, not before, and ends it at sign-out', async () => {
    const clock = controlClock(t);
    const { user, secret } = await createUserWithTotp(t, clock);
    const step = await t.http
      .post('/login')
      .set(ASK_COOKIE)
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(step.body.mfa_required).toBe(true);
    expect(step.headers['set-cookie']).toBeUndefined();
    const done = await t.http
      .post('/login/mfa')
      .set(ASK_COOKIE)
      .send({ mfa_token: step.body.mfa_token, code: totpCode(secret, clock.now()) })
      .expect(200);
    const { pair } = accountCookieOf(done.headers['set-cookie']);
    const session = await t.http.get('/validate_token').set('Cookie', pair).expect(200);
    expect(session.body.session.aal).toBe(2);

    await t.http.post('/logout').set('Cookie', pair).expect(403);
    const out = await t.http.post('/logout').set('Cookie', pair).set(CSRF).expect(204);
    expect(String(out.headers['set-cookie'])).toMatch(/__Host-account=;.*Expires=Thu, 01 Jan 1970/);
    await t.http.get('/validate_token').set('Cookie', pair).expect(401);
    await t.http
      .get('/validate_token')
      .set(bearer(done.body.token as string))
      .expect(401);
  });

  it('leads a confirmed mailed link on to the account page, in the language of the browser', async () => {
    const email = uniqueEmail('linked');
    await t.http.post('/register').send({ email, password: GOOD_PASSWORD }).expect(202);
    const token = tokenOf(await nthMailTo(t.mail, email));
    const done = await t.http
      .post('/users/verify')
      .set('Accept-Language', 'ru')
      .type('form')
      .send({ token })
      .expect(200);
    expect(done.text).toContain(
      `<a href="${t.env.PUBLIC_URL ?? 'http://localhost:3000'}/account">`,
    );
    expect(done.text).toContain('Перейти в аккаунт');
  });

  it('has every UI text in English and Russian, and every key the pages use', () => {
    const { en, ru, used, source } = pageText('account', [
      'nav',
      'signin',
      'code',
      'mfa',
      'signup',
      'forgot',
    ]);
    expect([...ru].sort()).toEqual([...en].sort());
    // signin.js names these by the methods of the mfa_required answer.
    for (const m of ['totp', 'recovery_code', 'passkey']) used.add(`mfa.use.${m}`);
    expect([...used].filter((k) => !en.has(k))).toEqual([]);
    // Russian text really is Russian: no English left in a value.
    const ruValues = [
      ...source.slice(source.indexOf('const ru = {')).matchAll(/^\s+'?[\w.-]+'?:\s*'([^']*)'/gm),
    ].map((m) => m[1]);
    expect(ruValues.filter((v) => /[a-z]{4,}/i.test(v) && !/[а-яё]/i.test(v))).toEqual([]);
  });
});
