import type { ParsedMail } from 'mailparser';
import { createUser, GOOD_PASSWORD, loginToken, uniqueEmail } from './support/factories';
import { codeOf, mailTo } from './support/mail-helpers';
import { startApp, TestApp } from './support/test-app';

const ROOT = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'mail locales root password' };
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0';

/** The subject of each mail in each shipped language. */
const SUBJECTS = {
  en: {
    confirm: /^Confirm your email for /,
    invite: /^Your new .+ account$/,
    exists: /^Someone tried to sign up to /,
    reset: /^Reset your .+ password$/,
    emailChanged: /sign-in email was changed$/,
    newDevice: /^New sign-in to your /,
    passwordChanged: /password was changed$/,
    passwordReset: /password was reset$/,
    blocked: /account was blocked$/,
  },
  ru: {
    confirm: /^Подтвердите адрес почты для /,
    invite: /^Для вас создан аккаунт в /,
    exists: /^Кто-то пытался зарегистрироваться в /,
    reset: /^Сброс пароля в /,
    emailChanged: /^Адрес для входа в .+ изменён$/,
    newDevice: /^Новый вход в аккаунт /,
    passwordChanged: /^Пароль от аккаунта .+ изменён$/,
    passwordReset: /^Пароль от аккаунта .+ сброшен$/,
    blocked: /^Ваш аккаунт .+ заблокирован$/,
  },
} as const;
type Locale = keyof typeof SUBJECTS;

const CYRILLIC = /[а-яё]/i;

/** The "this wasn't me" token of a notice. */
function secureTokenOf(mail: ParsedMail): string {
  const m = /\/account\/secure\?token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? '');
  if (!m) throw new Error(`no "this wasn't me" link in "${mail.subject}"`);
  return m[1];
}

describe('mail in the reader’s language, notices and "this wasn\'t me"', () => {
  let t: TestApp;
  let rootToken: string;

  const admin = {
    get: (path: string) => t.http.get(path).set('Authorization', `Bearer ${rootToken}`),
    post: (path: string, body: object) =>
      t.http.post(path).set('Authorization', `Bearer ${rootToken}`).send(body),
    put: (path: string, body: object) =>
      t.http.put(path).set('Authorization', `Bearer ${rootToken}`).send(body),
  };

  beforeAll(async () => {
    t = await startApp(ROOT);
    rootToken = await loginToken(t, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
  });
  afterAll(() => t.destroy());

  /** One address gets several mails here in a row: the resend cooldown is not under test. */
  const forgetMailCooldowns = () =>
    t.db.query(`DELETE FROM rate_limits WHERE key LIKE 'mail-cooldown:%'`);

  /** A mail in `locale`: its subject, the html's lang, words of that language in both parts. */
  function expectLanguage(mail: ParsedMail, locale: Locale): void {
    expect(mail.html).toContain(`<html lang="${locale}" dir="ltr">`);
    expect(mail.text).toBeTruthy();
    expect(CYRILLIC.test(mail.subject ?? '')).toBe(locale === 'ru');
    expect(CYRILLIC.test(mail.text ?? '')).toBe(locale === 'ru');
  }

  /** Checks a notice's link page (a GET changes nothing) in the reader's language. */
  async function expectSecurePage(mail: ParsedMail, locale: Locale): Promise<void> {
    const page = await t.http
      .get(`/account/secure?token=${secureTokenOf(mail)}`)
      .set('Accept-Language', locale)
      .expect(200);
    expect(page.text).toContain(`<html lang="${locale}"`);
    expect(page.text).toMatch(/<form method="post" action="secure">[\s\S]*<button/);
  }

  it.each(['en', 'ru'] as const)(
    'writes every mail of a %s user in that language',
    async (locale) => {
      const s = SUBJECTS[locale];
      const email = uniqueEmail(`lang-${locale}`);
      // Sign-up, with the browser asking for the other language: the body's locale wins.
      await t.http
        .post('/register')
        .set('Accept-Language', locale === 'ru' ? 'en' : 'ru')
        .send({ email, password: GOOD_PASSWORD, locale })
        .expect(202);
      const confirm = await mailTo(t.mail, email, s.confirm);
      expectLanguage(confirm, locale);
      await t.http
        .post('/register/confirm')
        .send({ email, code: codeOf(confirm) })
        .expect(200);

      // First sign-in: nothing to tell. A sign-in from another browser: a notice.
      const token = await loginToken(t, email);
      await t.http
        .post('/login')
        .set('User-Agent', FIREFOX)
        .send({ email, password: GOOD_PASSWORD })
        .expect(200);
      const device = await mailTo(t.mail, email, s.newDevice);
      expectLanguage(device, locale);
      expect(device.text).toContain('Firefox');
      await expectSecurePage(device, locale);

      await forgetMailCooldowns();
      await t.http.post('/register').send({ email, password: GOOD_PASSWORD }).expect(202);
      expectLanguage(await mailTo(t.mail, email, s.exists), locale);

      const newPassword = `${GOOD_PASSWORD} changed`;
      await t.http
        .put('/password')
        .set('Authorization', `Bearer ${token}`)
        .send({ current_password: GOOD_PASSWORD, new_password: newPassword })
        .expect(204);
      const changed = await mailTo(t.mail, email, s.passwordChanged);
      expectLanguage(changed, locale);
      await expectSecurePage(changed, locale);

      await forgetMailCooldowns();
      await t.http.post('/password/forgot').send({ email }).expect(202);
      const reset = await mailTo(t.mail, email, s.reset);
      expectLanguage(reset, locale);
      await t.http
        .post('/password/reset')
        .send({ email, code: codeOf(reset), new_password: GOOD_PASSWORD })
        .expect(200);
      const wasReset = await mailTo(t.mail, email, s.passwordReset);
      expectLanguage(wasReset, locale);
      await expectSecurePage(wasReset, locale);

      // An admin changes the address: the old one gets the notice, the new one a confirmation.
      const id = (await admin.get(`/users/list?search=${encodeURIComponent(email)}`).expect(200))
        .body.users[0].id as number;
      const moved = uniqueEmail(`moved-${locale}`);
      await admin.put(`/users/${id}`, { email: moved }).expect(200);
      const emailChanged = await mailTo(t.mail, email, s.emailChanged);
      expectLanguage(emailChanged, locale);
      expect(emailChanged.text).toContain(moved);
      await expectSecurePage(emailChanged, locale);
      expectLanguage(await mailTo(t.mail, moved, s.confirm), locale);

      await admin.put('/users/status/change', { user_id: id, is_active: false }).expect(200);
      const blocked = await mailTo(t.mail, moved, s.blocked);
      expectLanguage(blocked, locale);
      await expectSecurePage(blocked, locale);

      const invited = uniqueEmail(`invite-${locale}`);
      await admin.post('/users/add', { email: invited, locale }).expect(201);
      expectLanguage(await mailTo(t.mail, invited, s.invite), locale);
    },
  );

  it('writes to an address without an account in the language of Accept-Language', async () => {
    const ru = uniqueEmail('accept-ru');
    await t.http
      .post('/register')
      .set('Accept-Language', 'ru-RU,ru;q=0.9,en;q=0.5')
      .send({ email: ru, password: GOOD_PASSWORD })
      .expect(202);
    expectLanguage(await mailTo(t.mail, ru, SUBJECTS.ru.confirm), 'ru');

    // A notice (sample) to an unknown address: Accept-Language, else MAIL_DEFAULT_LOCALE.
    const unknownRu = uniqueEmail('notice-ru');
    await admin
      .post('/mail/test', { to: unknownRu, template: 'notice-new-device' })
      .set('Accept-Language', 'ru')
      .expect(202);
    expectLanguage(await mailTo(t.mail, unknownRu, SUBJECTS.ru.newDevice), 'ru');
    const unknownDe = uniqueEmail('notice-de');
    await admin
      .post('/mail/test', { to: unknownDe, template: 'notice-new-device' })
      .set('Accept-Language', 'de-DE')
      .expect(202);
    expectLanguage(await mailTo(t.mail, unknownDe, SUBJECTS.en.newDevice), 'en');

    const history = await admin.get('/users/actions?actions=mail_test').expect(200);
    expect(history.body.records.length).toBeGreaterThanOrEqual(2);
    expect(history.body.records[0]).toMatchObject({ outcome: 'success', target_email: unknownDe });
  });

  it('refuses a locale without templates where a locale is set (400)', async () => {
    const bad = await t.http
      .post('/register')
      .send({ email: uniqueEmail('xx'), password: GOOD_PASSWORD, locale: 'xx' })
      .expect(400);
    expect(bad.body.code).toBe('validation_failed');
    expect(bad.body.message).toEqual(['locale must be one of en, ru']);
    await admin.post('/users/add', { email: uniqueEmail('xx'), locale: 'de' }).expect(400);
    const u = await createUser(t);
    await admin.put(`/users/${u.id}`, { locale: null }).expect(400);
    await admin.put(`/users/${u.id}`, { locale: 'ru' }).expect(200);
    await admin
      .put('/users/status/change', { user_id: Number(u.id), is_active: false })
      .expect(200);
    expectLanguage(await mailTo(t.mail, u.email, SUBJECTS.ru.blocked), 'ru');
  });

  it('shows the account pages in the language of Accept-Language', async () => {
    const en = await t.http.get('/users/verify?token=x').expect(400);
    expect(en.text).toContain('<html lang="en"');
    expect(en.text).toContain('This link does not work');
    const ru = await t.http
      .get('/password/reset?token=x')
      .set('Accept-Language', 'ru,en;q=0.8')
      .expect(400);
    expect(ru.text).toContain('<html lang="ru"');
    expect(ru.text).toContain('Ссылка не работает');
    expect(ru.headers.vary).toMatch(/Accept-Language/i);
  });

  it('"this wasn\'t me": the page changes nothing, the post ends every session and mails a reset', async () => {
    const user = await createUser(t, { locale: 'ru' });
    const first = await loginToken(t, user.email);
    const second = (
      await t.http
        .post('/login')
        .set('User-Agent', FIREFOX)
        .send({ email: user.email, password: GOOD_PASSWORD })
        .expect(200)
    ).body.token as string;
    const notice = await mailTo(t.mail, user.email, SUBJECTS.ru.newDevice);
    const token = secureTokenOf(notice);

    // Mail scanners follow links: the GET leaves both sessions alive.
    await t.http.get(`/account/secure?token=${token}`).expect(200);
    await t.http.get('/validate_token').set('Authorization', `Bearer ${first}`).expect(200);

    const done = await t.http
      .post('/account/secure')
      .set('Accept-Language', 'ru')
      .type('form')
      .send({ token })
      .expect(200);
    expect(done.text).toContain('Аккаунт защищён');
    for (const s of [first, second]) {
      await t.http.get('/validate_token').set('Authorization', `Bearer ${s}`).expect(401);
    }
    const reset = await mailTo(t.mail, user.email, SUBJECTS.ru.reset);
    expect(codeOf(reset)).toMatch(/^\d{6}$/);

    // Single use.
    await t.http.post('/account/secure').send({ token }).expect(400);
    const audit = await admin
      .get(`/users/actions?actions=notice_secure_account&users=${user.id}`)
      .expect(200);
    expect(audit.body.records[0]).toMatchObject({
      outcome: 'success',
      target_email: user.email,
      details: { sessions_ended: 2, email_restored: false },
    });
  });

  it('"this wasn\'t me" on an email-change notice gives the account back to the old address', async () => {
    const user = await createUser(t);
    const taken = uniqueEmail('taker');
    await admin.put(`/users/${user.id}`, { email: taken }).expect(200);
    const notice = await mailTo(t.mail, user.email, SUBJECTS.en.emailChanged);
    await t.http
      .post('/account/secure')
      .send({ token: secureTokenOf(notice) })
      .expect(200);
    const back = await admin.get(`/users/${user.id}`).expect(200);
    expect(back.body).toMatchObject({ email: user.email, is_confirmed: true });
    // The reset goes to the owner, not to the address that took the account.
    const reset = await mailTo(t.mail, user.email, SUBJECTS.en.reset);
    await t.http
      .post('/password/reset')
      .send({ email: user.email, code: codeOf(reset), new_password: `${GOOD_PASSWORD} again` })
      .expect(200);
    expect(t.mail.to(taken).some((m) => SUBJECTS.en.reset.test(m.subject ?? ''))).toBe(false);
  });
});

describe('SECURITY_NOTICES=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ SECURITY_NOTICES: 'false' });
  });
  afterAll(() => t.destroy());

  it('mails no notice, and the account mails still go', async () => {
    const user = await createUser(t);
    await loginToken(t, user.email);
    await t.http
      .post('/login')
      .set('User-Agent', FIREFOX)
      .send({ email: user.email, password: GOOD_PASSWORD })
      .expect(200);
    await t.http.post('/password/forgot').send({ email: user.email }).expect(202);
    await mailTo(t.mail, user.email, SUBJECTS.en.reset);
    expect(t.mail.to(user.email).map((m) => m.subject)).toEqual([
      expect.stringMatching(SUBJECTS.en.reset),
    ]);
  });
});
