import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../src/crypto/secret-box';
import { MailCatalog } from '../src/mail/mail-catalog';
import { contextAad } from '../src/mail/mail-outbox.repository';
import { MAIL_TEMPLATE_NAMES } from '../src/mail/mail-templates';
import { MailWorker } from '../src/mail/mail.worker';
import { GOOD_PASSWORD, createUser, loginToken, uniqueEmail } from './support/factories';
import { eventually } from './support/eventually';
import { codeOf, mailTo } from './support/mail-helpers';
import { runEntry } from './support/run-server';
import { startApp, TestApp } from './support/test-app';

const ROOT = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'mail admin root password' };

describe('mail for admins: templates, previews, test mail, the outbox', () => {
  let t: TestApp;
  let rootToken: string;
  const as = (token: string) => ({
    get: (path: string) => t.http.get(path).set('Authorization', `Bearer ${token}`),
    post: (path: string, body?: object) =>
      t.http
        .post(path)
        .set('Authorization', `Bearer ${token}`)
        .send(body ?? {}),
  });

  beforeAll(async () => {
    t = await startApp(ROOT);
    rootToken = await loginToken(t, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
  });
  afterAll(() => t.destroy());

  it('refuses every mail route to a plain user (403) and without a token (401)', async () => {
    const u = await createUser(t);
    const userToken = await loginToken(t, u.email);
    for (const path of ['/mail/templates', '/mail/outbox', '/mail/templates/login-code/preview']) {
      await t.http.get(path).expect(401);
      await as(userToken).get(path).expect(403);
    }
    await as(userToken).post('/mail/test', { to: u.email, template: 'login-code' }).expect(403);
    await as(userToken).post('/mail/outbox/1/retry').expect(403);
  });

  it('lists every template with the locales it is written in', async () => {
    const res = await as(rootToken).get('/mail/templates').expect(200);
    expect(res.body.templates).toEqual(
      MAIL_TEMPLATE_NAMES.map((name) => ({ name, locales: ['en', 'ru'] })),
    );
    expect(res.body.templates.map((x: { name: string }) => x.name)).toEqual(
      expect.arrayContaining([
        'email-confirm',
        'account-invite',
        'account-exists',
        'password-reset',
        'email-changed',
        'login-code',
        'notice-new-device',
      ]),
    );
  });

  it('previews a template in both locales, as HTML and as text', async () => {
    const ruHtml = await as(rootToken)
      .get('/mail/templates/password-reset/preview?locale=ru&format=html')
      .expect(200);
    expect(ruHtml.headers['content-type']).toMatch(/^text\/html/);
    expect(ruHtml.text).toContain('<html lang="ru" dir="ltr">');
    expect(ruHtml.text).toContain('Задать новый пароль');
    expect(ruHtml.text).toContain('действует 10 минут');
    const enText = await as(rootToken)
      .get('/mail/templates/password-reset/preview?locale=en&format=text')
      .expect(200);
    expect(enText.headers['content-type']).toMatch(/^text\/plain/);
    expect(enText.text).toMatch(/^Subject: Reset your .+ password\n/);
    expect(enText.text).toContain('works once and for 10 minutes');
    // Russian plural forms and dates come from Intl.
    const ruNotice = await as(rootToken)
      .get('/mail/templates/notice-account-blocked/preview?locale=ru&format=text')
      .expect(200);
    expect(ruNotice.text).toContain('14 марта 2026 г.');
    expect(ruNotice.text).toContain('Это были не вы?');

    const unknown = await as(rootToken).get('/mail/templates/nope/preview').expect(404);
    expect(unknown.body.code).toBe('template_not_found');
    const badLocale = await as(rootToken)
      .get('/mail/templates/login-code/preview?locale=xx')
      .expect(400);
    expect(badLocale.body.code).toBe('validation_failed');
    await as(rootToken).get('/mail/templates/login-code/preview?format=pdf').expect(400);
  });

  it('sends a test mail through the outbox and records mail_test', async () => {
    const to = uniqueEmail('test-mail');
    const res = await as(rootToken)
      .post('/mail/test', { to, template: 'email-confirm', locale: 'ru' })
      .expect(202);
    expect(res.body.id).toMatch(/^\d+$/);
    const mail = await mailTo(t.mail, to, /^Подтвердите адрес почты/);
    expect(codeOf(mail)).toBe('012345');
    const audit = await as(rootToken).get('/users/actions?actions=mail_test').expect(200);
    expect(audit.body.records[0]).toMatchObject({
      outcome: 'success',
      target_email: to,
      details: { template: 'email-confirm', locale: 'ru', mail_id: res.body.id },
    });
    await as(rootToken).post('/mail/test', { to, template: 'nope' }).expect(400);
    await as(rootToken)
      .post('/mail/test', { to: 'not an address', template: 'login-code' })
      .expect(400);
  });

  it('lists the outbox during an SMTP outage without codes or links, and retries a failed mail', async () => {
    const email = uniqueEmail('outage');
    const port = t.mail.port;
    let id: string;
    let code: string;
    await t.mail.stop();
    try {
      await t.http.post('/register').send({ email, password: GOOD_PASSWORD }).expect(202);
      const listed = await eventually(async () => {
        const res = await as(rootToken)
          .get(`/mail/outbox?to=${encodeURIComponent(email.toUpperCase())}`)
          .expect(200);
        const m = res.body.mails[0];
        return m && m.attempts >= 1 && m.last_error ? res.body : undefined;
      }, 'the outbox to list a failed try');
      expect(listed.total_count).toBe(1);
      expect(listed.mails[0]).toMatchObject({
        to: email,
        template: 'email-confirm',
        locale: 'en',
        status: 'pending',
        sent_at: null,
      });
      expect(Object.keys(listed.mails[0]).sort()).toEqual(
        [
          'attempts',
          'created_at',
          'id',
          'last_error',
          'locale',
          'sent_at',
          'status',
          'template',
          'to',
        ].sort(),
      );
      id = listed.mails[0].id as string;
      // The code is sealed at rest; the test opens it with the server's key to know what to expect.
      const [row] = await t.db.query(
        `SELECT context, to_address, template FROM mail_outbox WHERE id = $1`,
        [id],
      );
      const sealed = (row.context as { sealed: string }).sealed;
      code = (
        JSON.parse(t.app.get(SecretBox).open(sealed, contextAad(row.to_address, row.template))) as {
          code: string;
        }
      ).code;
      expect(code).toMatch(/^\d{6}$/);
      expect(JSON.stringify(listed)).not.toContain(code);
      expect(JSON.stringify(listed)).not.toContain('token=');

      // Give up on it (the last try), as the worker does after MAIL's retries.
      const worker = t.app.get(MailWorker);
      await t.db.query(
        `UPDATE mail_outbox SET attempts = $2, next_attempt_at = now() WHERE id = $1`,
        [id, worker.options.maxAttempts - 1],
      );
      await eventually(async () => {
        const res = await as(rootToken).get(`/mail/outbox?status=failed&to=${email}`).expect(200);
        return res.body.mails[0]?.id === id ? true : undefined;
      }, 'the mail to be listed as failed');
    } finally {
      await t.mail.start(port);
    }
    // The SMTP server is back: a retry sends the same mail, whose code still works.
    await as(rootToken).post(`/mail/outbox/${id}/retry`).expect(202);
    const mail = await mailTo(t.mail, email, /^Confirm your email/);
    expect(codeOf(mail)).toBe(code);
    await t.http.post('/register/confirm').send({ email, code }).expect(200);
    await eventually(async () => {
      const res = await as(rootToken).get(`/mail/outbox?status=sent&to=${email}`).expect(200);
      return res.body.mails[0]?.sent_at ? true : undefined;
    }, 'the mail to be listed as sent');
    const again = await as(rootToken).post(`/mail/outbox/${id}/retry`).expect(409);
    expect(again.body.code).toBe('mail_not_failed');
    const history = await as(rootToken).get('/users/actions?actions=mail_retry').expect(200);
    expect(history.body.records.map((r: { outcome: string }) => r.outcome)).toEqual([
      'mail_not_failed',
      'success',
    ]);
  });

  it('refuses to retry a failed mail whose code or link expired (409 mail_expired)', async () => {
    const email = uniqueEmail('expired');
    const [{ id }] = await t.db.query(
      `INSERT INTO mail_outbox (to_address, template, locale, context, status, attempts, expires_at)
       VALUES ($1, 'login-code', 'en', '{"code":"123456","codeMinutes":10}', 'failed', 8,
               now() - interval '1 second')
       RETURNING id`,
      [email],
    );
    const res = await as(rootToken).post(`/mail/outbox/${id}/retry`).expect(409);
    expect(res.body.code).toBe('mail_expired');
    const missing = await as(rootToken).post('/mail/outbox/999999999/retry').expect(404);
    expect(missing.body.code).toBe('mail_not_found');
    await as(rootToken).post('/mail/outbox/abc/retry').expect(404);
    // The worker's tidy-up drops the useless code.
    const worker = t.app.get(MailWorker);
    worker.options.tidyEveryMs = 0;
    await eventually(async () => {
      const [row] = await t.db.query(`SELECT context FROM mail_outbox WHERE id = $1`, [id]);
      return Object.keys(row.context as object).length === 0 ? true : undefined;
    }, 'the tidy-up to empty the context of the expired mail');
    worker.options.tidyEveryMs = 60_000;
  });
});

/** An operator folder with the given files (`en/email-confirm.subject.hbs`: text). */
function operatorDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mail-templates-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('MAIL_TEMPLATES_DIR', () => {
  it('overrides the shipped templates file by file', async () => {
    const dir = operatorDir({
      'en/email-confirm.subject.hbs': 'Welcome aboard {{appName}}: your code {{code}}',
      'ru/strings.json': JSON.stringify({
        preheader: { 'email-confirm': 'Свой прехедер {{code}}' },
      }),
      'partials/button.html.hbs': '<a href="{{href}}" class="operator-button">{{label}}</a>',
    });
    const t = await startApp({ MAIL_TEMPLATES_DIR: dir });
    try {
      const email = uniqueEmail('override');
      await t.http.post('/register').send({ email, password: GOOD_PASSWORD }).expect(202);
      const mail = await mailTo(t.mail, email, /^Welcome aboard /);
      expect(mail.subject).toBe(`Welcome aboard Email Auth: your code ${codeOf(mail)}`);
      expect(mail.html).toContain('class="operator-button"');
      // What was not overridden is still the shipped text.
      expect(mail.text).toContain('Confirm your email address');
      const ruEmail = uniqueEmail('override-ru');
      await t.http
        .post('/register')
        .send({ email: ruEmail, password: GOOD_PASSWORD, locale: 'ru' })
        .expect(202);
      const ru = await mailTo(t.mail, ruEmail, /^Подтвердите адрес почты/);
      expect(ru.html).toContain(`Свой прехедер ${codeOf(ru)}`);
    } finally {
      await t.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [
      'a template that does not compile',
      'en/password-reset.html.hbs',
      '<p>{{#if code}}unclosed</p>',
    ],
    ['a template that uses a variable no mail has', 'ru/login-code.text.hbs', 'Code {{codee}}'],
  ])(
    'stops the start on %s, naming its path',
    async (_what, file, text) => {
      const dir = operatorDir({ [file]: text });
      const data = mkdtempSync(join(tmpdir(), 'mail-templates-data-'));
      try {
        const run = await runEntry(
          'src/main.ts',
          { DATA_DIR: data, PORT: '0', MAIL_TEMPLATES_DIR: dir, LOG_LEVEL: 'silent' },
          // A whole TypeScript start (ts-node): slow on a busy machine.
          { cwd: data, timeoutMs: 150_000 },
        );
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(`Could not start: mail template ${join(dir, file)}: `);
        expect(run.stdout).not.toContain('Listening on');
      } finally {
        rmSync(dir, { recursive: true, force: true });
        rmSync(data, { recursive: true, force: true });
      }
    },
    180_000,
  );
});

describe('MAIL_TEMPLATES_DIR checks (in process)', () => {
  const cfg = (dir: string) => ({
    smtpUrl: undefined,
    from: 'x@example.com',
    defaultLocale: 'en',
    templatesDir: dir,
    securityNotices: true,
  });

  it.each([
    [
      'a file that is no template',
      'en/pasword-reset.html.hbs',
      '<p>typo</p>',
      'en/pasword-reset.html.hbs',
    ],
    ['a locale folder that lacks templates', 'de/login-code.subject.hbs', 'Code {{code}}', 'de'],
    ['a strings file that is not JSON', 'ru/strings.json', '{"page": ', 'ru/strings.json'],
  ])('refuses %s, naming its path', (_what, file, text, where) => {
    const dir = operatorDir({ [file]: text });
    try {
      expect(() => new MailCatalog(cfg(dir))).toThrow(`mail template ${join(dir, where)}: `);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes a new locale that has every file, and its words for the pages', () => {
    const files: Record<string, string> = {
      'de/strings.json': JSON.stringify({ page: { 'invalid.title': 'Dieser Link geht nicht' } }),
    };
    for (const name of [...MAIL_TEMPLATE_NAMES, 'layout']) {
      for (const part of name === 'layout' ? ['html', 'text'] : ['subject', 'html', 'text']) {
        files[`de/${name}.${part}.hbs`] =
          part === 'html' && name === 'layout'
            ? '<html lang="{{locale}}">{{{body}}}</html>'
            : 'Hallo {{email}}';
      }
    }
    const dir = operatorDir(files);
    try {
      const catalog = new MailCatalog(cfg(dir));
      expect(catalog.locales).toEqual(['en', 'ru', 'de']);
      expect(catalog.negotiate('de-AT, en;q=0.5')).toBe('de');
      expect(catalog.page('de', 'invalid.title')).toBe('Dieser Link geht nicht');
      // A page string the locale lacks falls back to MAIL_DEFAULT_LOCALE's.
      expect(catalog.page('de', 'error.title')).toBe('That did not work');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
