import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { MailWorker } from '../src/mail/mail.worker';
import { browserSuite, haveChromium, toProviderConsent } from './support/browser';
import { eventually } from './support/eventually';
import { bearer, createUser, GOOD_PASSWORD, loginToken, uniqueEmail } from './support/factories';
import { controlClock, createUserWithTotp, enableTotp, totpCode } from './support/mfa';
import { TestOidcProvider } from './support/oidc-provider';
import { verifies, WebhookReceiver } from './support/webhook-receiver';
import { addPasskey } from './support/passkeys';
import type { TestApp } from './support/test-app';

const haveBrowser = haveChromium('the admin console test');
const ROOT = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'console root password 2026' };
const SHOTS = join(__dirname, '..', 'test-artifacts', 'console');
(haveBrowser ? describe : describe.skip)('the admin console in Chromium', () => {
  // Webhooks may go to a receiver on 127.0.0.1 over http here (the URL rules are webhooks' spec's).
  const ui = browserSuite(SHOTS, () => ({
    ...ROOT,
    AUTH_COOKIE: 'false',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE: 'true',
  }));
  const { open, check } = ui;
  let t: TestApp;
  let base: string;
  beforeAll(() => {
    ({ t, base } = ui.state);
  });

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${base}/admin`);
    await page.getByLabel(/^(Email|Эл\. почта)$/).fill(email);
    await page.getByLabel(/^(Password|Пароль)$/).fill(password);
    await page.getByRole('button', { name: /^(Sign in|Войти)$/ }).click();
    await page.getByRole('navigation', { name: /Sections|Разделы/ }).waitFor();
  }

  const h1 = (page: Page) => page.getByRole('heading', { level: 1 });

  it('signs in with the keyboard alone; the session is an HttpOnly cookie the page cannot read', async () => {
    const { page, context } = await open();
    await page.goto(`${base}/admin`);
    await expect(h1(page).textContent()).resolves.toBe('Sign in to the admin console');
    await check(page, 'sign-in');
    // The email field has the focus; Tab to the password, Enter submits.
    await page.keyboard.type(ROOT.ADMIN_EMAIL);
    await page.keyboard.press('Tab');
    await page.keyboard.type('a wrong password for sure');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'The email or the password is wrong.',
    );
    await page.getByLabel('Password').fill(ROOT.ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    const cookies = await context.cookies();
    const cookie = cookies.find((c) => c.name === '__Host-console');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    await expect(page.evaluate(() => document.cookie)).resolves.not.toContain('__Host-console');
    await check(page, 'users');
    // A reload keeps the session (the server tells the page there is a cookie to ask about).
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await h1(page).filter({ hasText: 'Sign in' }).waitFor();
    await page.reload();
    await h1(page).filter({ hasText: 'Sign in' }).waitFor();
  });

  it('asks an admin with a second factor for the code of the app, or a recovery code', async () => {
    const clock = controlClock(t);
    const {
      user: admin,
      secret,
      recoveryCodes,
    } = await createUserWithTotp(t, clock, { role: 'admin' });
    const { page, context } = await open();
    await page.goto(`${base}/admin`);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await h1(page).filter({ hasText: 'Second step' }).waitFor();
    // No session yet: the cookie comes only with the second factor.
    expect((await context.cookies()).map((c) => c.name)).not.toContain('__Host-console');
    await expect(page.getByLabel('Code from the app').getAttribute('autocomplete')).resolves.toBe(
      'one-time-code',
    );
    await check(page, 'sign-in-mfa');
    // The code field has the focus; a wrong code is said, and the step stays.
    await page.keyboard.type(totpCode(secret, clock.now() + 10 * 60_000));
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'The code is wrong, expired or already used.',
    );
    await page.getByLabel('Code from the app').fill(totpCode(secret, clock.now()));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    const session = await page.evaluate(async () => {
      const r = await fetch('/admin/session', { headers: { Accept: 'application/json' } });
      return (await r.json()) as { session: { aal: number } };
    });
    expect(session.session.aal).toBe(2);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await h1(page).filter({ hasText: 'Sign in' }).waitFor();

    // The recovery code, for an admin without the phone.
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]);
    await check(page, 'sign-in-recovery-code');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  });

  it("resets a user's second factor from the user page: the user's sessions end", async () => {
    const clock = controlClock(t);
    const user = await createUser(t);
    const token = await loginToken(t, user.email, user.password);
    await enableTotp(t, token, clock.now());
    const { page } = await open();
    await signIn(page, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    await page.goto(`${base}/admin#/users/${user.id}`);
    await page.getByRole('heading', { level: 1, name: user.email }).waitFor();
    await page.getByText('on (authenticator app)').waitFor();
    await check(page, 'user-mfa');
    await page.getByRole('button', { name: 'Reset second factor' }).click();
    await page.getByText('Second factor removed: every session of this user has ended').waitFor();
    await page.getByRole('definition').filter({ hasText: /^off$/ }).waitFor();
    await expect(page.getByRole('button', { name: 'Reset second factor' }).count()).resolves.toBe(
      0,
    );
    await page.getByRole('cell', { name: 'mfa_reset' }).first().waitFor();
    await check(page, 'user-mfa-reset');
    await t.http.get('/validate_token').set(bearer(token)).expect(401);
    const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM mfa_totp WHERE user_id = $1', [
      user.id,
    ]);
    expect(n).toBe(0);
  });

  it("lists a user's passkeys on the user page, and removes one", async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email, user.password);
    await addPasskey(t, token, { password: user.password }, 'Work laptop');
    const { page } = await open();
    await signIn(page, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    await page.goto(`${base}/admin#/users/${user.id}`);
    const passkeys = page.getByRole('region', { name: 'Passkeys' });
    await passkeys.getByRole('cell', { name: 'Work laptop', exact: true }).waitFor();
    await check(page, 'user-passkeys');
    await passkeys.getByRole('button', { name: 'Remove the passkey “Work laptop”' }).click();
    await page.getByText('Passkey “Work laptop” removed').waitFor();
    await page.getByRole('region', { name: 'Passkeys' }).getByText('No passkey.').waitFor();
    const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM passkeys WHERE user_id = $1', [
      user.id,
    ]);
    expect(n).toBe(0);
  });

  it('searches, filters, sorts and pages users through GET /users/list', async () => {
    const tag = `pager${Date.now().toString(36)}`;
    for (let i = 0; i < 22; i++) {
      await createUser(t, { email: `${tag}.${String(i).padStart(2, '0')}@example.com` });
    }
    await createUser(t, { email: `${tag}.admin@example.com`, role: 'admin' });
    const { page } = await open();
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/users/list')) asked.push(new URL(r.url()).search);
    });
    await signIn(page, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    await page.getByLabel('Search email or name').fill(tag);
    await page.getByLabel('Sort').selectOption('email');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Page 1 of 2 · 23 users').waitFor();
    const emails = () => page.locator('tbody tr td:first-child').allTextContents();
    const first = await emails();
    expect(first).toHaveLength(20);
    expect(first[0]).toBe(`${tag}.00@example.com`);
    expect([...first].sort()).toEqual(first);
    await page.getByRole('link', { name: 'Next page' }).click();
    await page.getByText('Page 2 of 2 · 23 users').waitFor();
    expect(await emails()).toEqual([
      `${tag}.20@example.com`,
      `${tag}.21@example.com`,
      `${tag}.admin@example.com`,
    ]);
    await page.getByLabel('Role').selectOption('admin');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Page 1 of 1 · 1 users').waitFor();
    expect(await emails()).toEqual([`${tag}.admin@example.com`]);
    // Every list came from the API's own query, with the page's filters.
    expect(asked.at(-1)).toContain(`search=${tag}`);
    expect(asked.at(-1)).toContain('role=admin');
    expect(asked.some((q) => q.includes('page=2') && q.includes('sort=email'))).toBe(true);
    await check(page, 'users-search');
  });

  it("blocks a user with a reason and an end time: the user's token is refused, and stays refused until unblocked", async () => {
    const user = await createUser(t, { name: 'Blocky', surname: 'McBlock' });
    const token = await loginToken(t, user.email, user.password);
    await t.http.get('/validate_token').set(bearer(token)).expect(200);
    const { page } = await open();
    await signIn(page, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    await page.getByLabel('Search email or name').fill(user.email);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('link', { name: user.email }).click();
    await page.getByRole('heading', { level: 1, name: user.email }).waitFor();
    // Its live session is listed.
    await expect(
      page.locator('section, main').getByText('127.0.0.1').count(),
    ).resolves.toBeGreaterThan(0);
    await check(page, 'user');

    await page.getByLabel('Reason (recorded in the history)').fill('spam from this account');
    await page.getByLabel('Blocked until (optional)').fill('2031-05-04T10:30');
    await page.getByRole('button', { name: 'Block', exact: true }).click();
    await page.getByText('Blocked: every session of this user has ended.').waitFor();
    await page
      .getByText(/blocked until May 4, 2031/)
      .first()
      .waitFor();
    await page.getByRole('cell', { name: 'user_block' }).first().waitFor();
    await check(page, 'user-blocked');

    await t.http.get('/validate_token').set(bearer(token)).expect(401);
    await t.http.post('/login').send({ email: user.email, password: user.password }).expect(401);
    await t.http.get('/validate_token').set(bearer(token)).expect(401);
    const [row] = await t.db.query('SELECT is_active, blocked_until FROM users WHERE id = $1', [
      user.id,
    ]);
    expect(row.is_active).toBe(false);
    expect(new Date(row.blocked_until).getUTCFullYear()).toBe(2031);
    const rootToken = await loginToken(t, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    const history = await t.http
      .get(`/users/actions?users=${user.id}&actions=user_block`)
      .set(bearer(rootToken))
      .expect(200);
    expect(JSON.stringify(history.body.records[0].details)).toContain('spam from this account');

    await page.getByRole('button', { name: 'Unblock' }).click();
    await page.getByText('Unblocked. The user signs in again to get a session.').waitFor();
    // Unblocking revives no session: the old token stays refused; a new sign-in works.
    await t.http.get('/validate_token').set(bearer(token)).expect(401);
    const fresh = await loginToken(t, user.email, user.password);
    await t.http.get('/validate_token').set(bearer(fresh)).expect(200);
  });

  it('invites a user: the account is created unconfirmed and the invitation mail goes out', async () => {
    const email = uniqueEmail('invited');
    const { page } = await open();
    await signIn(page, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Invite a user' }).click();
    await h1(page).filter({ hasText: 'Invite a user' }).waitFor();
    await check(page, 'invite');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Name', { exact: true }).fill('Ivy');
    await page.getByLabel('Role').selectOption('admin');
    await page.getByRole('button', { name: 'Send the invitation' }).click();
    await page.getByText(`Invitation sent to ${email}.`).waitFor();
    await page.getByRole('heading', { level: 1, name: email }).waitFor();
    const [row] = await t.db.query('SELECT role, is_confirmed, name FROM users WHERE email = $1', [
      email,
    ]);
    expect(row).toEqual({ role: 'admin', is_confirmed: false, name: 'Ivy' });
    await t.mail.waitFor(() => t.mail.to(email).length > 0);
    // The same address again: refused, said in words.
    await page.getByRole('link', { name: 'Invite a user' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send the invitation' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'A user with this email exists already.',
    );
  });

  it('shows the page asked for last when an earlier one answers after it', async () => {
    const { page } = await open();
    await signIn(page, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    // The server's answer to the next user list is held until the invitation form is shown.
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    let asked = () => {};
    const listAsked = new Promise<void>((r) => (asked = r));
    await page.route('**/users/list?**', async (route) => {
      asked();
      await held;
      await route.continue();
    });
    await page.evaluate(() => (location.hash = '#/users?sort=email'));
    await listAsked;
    await page.getByRole('link', { name: 'Invite a user' }).click();
    await h1(page).filter({ hasText: 'Invite a user' }).waitFor();
    const answered = page.waitForEvent('requestfinished', (r) => r.url().includes('/users/list?'));
    release();
    await answered;
    // Time for the list's page to draw itself, were it still allowed to.
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    await expect(h1(page).allTextContents()).resolves.toEqual(['Invite a user']);
    await expect(page.title()).resolves.toMatch(/^Invite a user · /);
    await page.unroute('**/users/list?**');
  });

  it('reads the action history with filters and pages, and exports it as CSV and NDJSON', async () => {
    const { page } = await open();
    await signIn(page, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Action history' }).click();
    await h1(page).filter({ hasText: 'Action history' }).waitFor();
    await page.getByLabel('Actions').fill('user_block,user_unblock');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText(/· \d+ records$/).waitFor();
    const actions = await page.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['user_block', 'user_unblock']));
    await check(page, 'history');

    for (const format of ['csv', 'ndjson']) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: format.toUpperCase(), exact: true }).click(),
      ]);
      const text = readFileSync(await download.path(), 'utf8');
      const lines = text.trim().split('\n');
      if (format === 'csv') {
        expect(lines[0]).toMatch(/^id,at,action,/);
        expect(lines.slice(1).every((l) => /,user_(un)?block,/.test(l))).toBe(true);
        expect(lines).toHaveLength(actions.length + 1);
      } else {
        const records = lines.map((l) => JSON.parse(l) as { action: string });
        expect(new Set(records.map((r) => r.action))).toEqual(
          new Set(['user_block', 'user_unblock']),
        );
        expect(records).toHaveLength(actions.length);
      }
    }
  });

  it('retries a failed mail from the outbox', async () => {
    const email = uniqueEmail('outage');
    const port = t.mail.port;
    await t.mail.stop();
    let id: string;
    try {
      await t.http.post('/register').send({ email, password: GOOD_PASSWORD }).expect(202);
      [{ id }] = await eventually(async () => {
        const rows = await t.db.query(
          'SELECT id FROM mail_outbox WHERE to_address = $1 AND attempts >= 1',
          [email],
        );
        return rows.length ? rows : undefined;
      }, 'a first failed try');
      const worker = t.app.get(MailWorker);
      await t.db.query(
        'UPDATE mail_outbox SET attempts = $2, next_attempt_at = now() WHERE id = $1',
        [id, worker.options.maxAttempts - 1],
      );
      await eventually(async () => {
        const [row] = await t.db.query('SELECT status FROM mail_outbox WHERE id = $1', [id]);
        return row.status === 'failed' ? true : undefined;
      }, 'the mail to fail');
    } finally {
      await t.mail.start(port);
    }
    const { page } = await open();
    await signIn(page, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Mail outbox' }).click();
    await page.getByLabel('Status').selectOption('failed');
    await page.getByLabel('To', { exact: true }).fill(email);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('button', { name: `Retry the mail to ${email}` }).waitFor();
    await check(page, 'outbox');
    await page.getByRole('button', { name: `Retry the mail to ${email}` }).click();
    await page.getByText(`The mail to ${email} is queued again.`).waitFor();
    await t.mail.waitFor(() => t.mail.to(email).length > 0);
    await eventually(async () => {
      const [row] = await t.db.query('SELECT status FROM mail_outbox WHERE id = $1', [id]);
      return row.status === 'sent' ? true : undefined;
    }, 'the retried mail to be sent');
  });

  it('previews a mail template per locale', async () => {
    const { page } = await open();
    await signIn(page, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Mail templates' }).click();
    await page.getByRole('link', { name: 'email-confirm' }).click();
    const frame = page.frameLocator('iframe[title="Preview of email-confirm (en)"]');
    await frame.getByText('Confirm your email address').first().waitFor();
    await check(page, 'templates');
    await page.getByLabel('Language').selectOption('ru');
    await page.getByRole('button', { name: 'Show' }).click();
    await page
      .frameLocator('iframe[title="Preview of email-confirm (ru)"]')
      .getByText(/Подтвердите/)
      .first()
      .waitFor();
    await page.getByLabel('Format').selectOption('text');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(page.locator('pre.preview').textContent()).resolves.toMatch(/^Subject: /);
  });

  it('speaks Russian to a browser that asks for it', async () => {
    const { page } = await open('ru-RU');
    await page.goto(`${base}/admin`);
    await expect(h1(page).textContent()).resolves.toBe('Вход в консоль администратора');
    await check(page, 'ru-sign-in');
    await signIn(page, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
    await page.getByRole('heading', { level: 1, name: 'Пользователи' }).waitFor();
    await expect(
      page.getByRole('navigation', { name: 'Разделы' }).textContent(),
    ).resolves.toContain('История действий');
    await check(page, 'ru-users');
    await page.getByRole('link', { name: 'История действий' }).click();
    await h1(page).filter({ hasText: 'История действий' }).waitFor();
    await check(page, 'ru-history');
  });

  it('offers an admin (not root) only what an admin may do', async () => {
    const admin = await createUser(t, { role: 'admin' });
    // Both with a second factor: only the plain user's may an admin reset.
    const clock = controlClock(t);
    const { user: otherAdmin } = await createUserWithTotp(t, clock, { role: 'admin' });
    const { user: plain } = await createUserWithTotp(t, clock);
    const { page } = await open();
    await signIn(page, admin.email, admin.password);

    // Another admin, and the root: read-only, said why.
    for (const target of [otherAdmin.email, ROOT.ADMIN_EMAIL]) {
      const [{ id }] = await t.db.query('SELECT id FROM users WHERE email = $1', [target]);
      await page.goto(`${base}/admin#/users/${id}`);
      await page.getByRole('heading', { level: 1, name: target }).waitFor();
      await page.getByText('Only a root may change or block an admin or root.').waitFor();
      await expect(page.getByRole('button', { name: 'Save' }).count()).resolves.toBe(0);
      await expect(page.getByRole('button', { name: 'Block', exact: true }).count()).resolves.toBe(
        0,
      );
      await expect(page.getByRole('button', { name: 'Reset second factor' }).count()).resolves.toBe(
        0,
      );
    }
    await check(page, 'admin-views-root');

    // A plain user: edit and block, but no role to grant.
    await page.goto(`${base}/admin#/users/${plain.id}`);
    await page.getByRole('heading', { level: 1, name: plain.email }).waitFor();
    await page.getByRole('button', { name: 'Save' }).waitFor();
    await page.getByRole('button', { name: 'Block', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Reset second factor' }).waitFor();
    await expect(page.getByLabel('Role').count()).resolves.toBe(0);
    await check(page, 'admin-views-user');

    // Not on itself: an admin cannot block itself.
    await page.goto(`${base}/admin#/users/${admin.id}`);
    await page.getByRole('heading', { level: 1, name: admin.email }).waitFor();
    await expect(page.getByRole('button', { name: 'Block', exact: true }).count()).resolves.toBe(0);

    // The invitation offers no role either (a plain user is all an admin may create).
    await page.getByRole('link', { name: 'Invite a user' }).click();
    await page.getByRole('button', { name: 'Send the invitation' }).waitFor();
    await expect(page.getByLabel('Role').count()).resolves.toBe(0);
  });

  it('manages a webhook endpoint: the secret shown once signs what the receiver gets; test, log, rotate, disable, delete', async () => {
    const receiver = await new WebhookReceiver().start();
    try {
      const { page } = await open();
      await signIn(page, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
      await page.getByText('No endpoint yet.').waitFor();
      const form = page.getByRole('form', { name: 'Add an endpoint' });
      await form.getByLabel('URL').fill(receiver.url);
      await expect(form.getByLabel('Events').inputValue()).resolves.toBe('*');
      await form.getByLabel('Description').fill('CRM sync');
      await form.getByRole('button', { name: 'Add an endpoint' }).click();
      await page.getByRole('heading', { level: 1, name: receiver.url }).waitFor();
      const secret = (await page.getByLabel('Signing secret').textContent())!;
      expect(secret).toMatch(/^whsec_/);
      await check(page, 'webhook-created');
      const [row] = await t.db.query('SELECT id FROM webhook_endpoints WHERE url = $1', [
        receiver.url,
      ]);
      // The secret is not shown again.
      await page.reload();
      await page.getByRole('heading', { level: 1, name: receiver.url }).waitFor();
      await expect(page.getByLabel('Signing secret').count()).resolves.toBe(0);

      await page.getByRole('button', { name: 'Send a test event' }).click();
      await page.getByText('A test event is on its way.').waitFor();
      const test = await eventually(
        async () => receiver.ofType('webhook.test')[0],
        'the test event at the receiver',
      );
      expect(verifies(test, secret)).toBe(true);
      // The delivery log shows it delivered, with the receiver's answer.
      const log = page.getByRole('table', { name: 'Deliveries, newest first' });
      await eventually(async () => {
        await page.reload();
        await log.waitFor();
        return (await log.getByRole('cell', { name: 'delivered', exact: true }).count()) > 0;
      }, 'the delivery shown as delivered');
      await log.getByRole('cell', { name: '204', exact: true }).waitFor();
      await check(page, 'webhook-log');

      // Rotation shows a new secret once; both sign for a day.
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Rotate the secret' }).click();
      await page.getByLabel('Signing secret').waitFor();
      const rotated = (await page.getByLabel('Signing secret').textContent())!;
      expect(rotated).toMatch(/^whsec_/);
      expect(rotated).not.toBe(secret);
      await page.getByRole('button', { name: 'Send a test event' }).click();
      const second = await eventually(
        async () => receiver.ofType('webhook.test')[1],
        'the second test event',
      );
      expect([verifies(second, rotated), verifies(second, secret)]).toEqual([true, true]);

      await page.getByRole('button', { name: 'Disable' }).click();
      await page.getByRole('button', { name: 'Enable' }).waitFor();
      await page.getByRole('link', { name: 'Webhooks' }).click();
      const list = page.getByRole('table', { name: 'Webhook endpoints' });
      await list.getByRole('cell', { name: 'disabled', exact: true }).waitFor();
      await list.getByRole('cell', { name: 'CRM sync' }).waitFor();

      // An admin reads the list and the log, and is offered no change.
      const admin = await createUser(t, { role: 'admin' });
      const other = await open();
      await signIn(other.page, admin.email, admin.password);
      await other.page.goto(`${base}/admin#/webhooks`);
      await other.page.getByRole('link', { name: receiver.url }).click();
      await other.page.getByRole('heading', { level: 1, name: receiver.url }).waitFor();
      await expect(other.page.getByRole('button').allTextContents()).resolves.not.toEqual(
        expect.arrayContaining(['Delete', 'Rotate the secret', 'Send a test event']),
      );
      await other.page.goto(`${base}/admin#/webhooks`);
      await other.page.getByRole('table', { name: 'Webhook endpoints' }).waitFor();
      await expect(other.page.getByRole('form', { name: 'Add an endpoint' }).count()).resolves.toBe(
        0,
      );

      await list.getByRole('link', { name: receiver.url }).click();
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Delete' }).click();
      await page.getByText(`The endpoint ${receiver.url} is deleted.`).waitFor();
      const left = await t.db.query('SELECT 1 FROM webhook_endpoints WHERE id = $1', [row.id]);
      expect(left).toEqual([]);
    } finally {
      await receiver.stop();
    }
  });

  it('keeps a plain user out: no console session for the role "user"', async () => {
    const plain = await createUser(t);
    const { page, context } = await open();
    await page.goto(`${base}/admin`);
    await page.getByLabel('Email').fill(plain.email);
    await page.getByLabel('Password').fill(plain.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'This console is for admins and roots only.',
    );
    expect((await context.cookies()).map((c) => c.name)).not.toContain('__Host-console');
  });

  // The console's sign-in through a provider: a real OpenID Connect provider (oidc-provider) in
  // its own process, its login and consent pages driven in the browser.
  describe('with a provider (a real OpenID Connect provider)', () => {
    let corp: TestOidcProvider;
    const provider = browserSuite(SHOTS, async (origin) => {
      corp = await TestOidcProvider.start(
        'console',
        'console-client-secret',
        `${origin}/login/oauth/corp/callback`,
      );
      // OAUTH_REDIRECT_URLS is left to its default, PUBLIC_URL: <origin>/admin passes.
      return {
        ...ROOT,
        AUTH_COOKIE: 'false',
        PUBLIC_URL: origin,
        OAUTH_PROVIDERS: 'corp',
        OAUTH_CORP_DISPLAY_NAME: 'Corp SSO',
        OAUTH_CORP_CLIENT_ID: 'console',
        OAUTH_CORP_CLIENT_SECRET: 'console-client-secret',
        OAUTH_CORP_ISSUER: corp.issuer,
      };
    });
    afterAll(() => corp?.stop());

    /** From the console's sign-in through the provider's login and consent, back to /admin. */
    async function throughCorp(login: string, shot?: string) {
      const w = await toProviderConsent(provider, corp.issuer, '/admin', login, shot);
      await w.page.getByRole('button', { name: 'Continue' }).click();
      return w;
    }

    it('signs the root in through the provider (linked by its verified address) with the console cookie', async () => {
      const { t: app, base: origin } = provider.state;
      const { page, context, startUrl } = await throughCorp(
        `root-${Date.now()}~${ROOT.ADMIN_EMAIL}~1`,
        'sign-in-providers',
      );
      expect(startUrl.searchParams.get('redirect_to')).toBe(`${origin}/admin`);
      expect(startUrl.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
      await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
      // The code is gone from the address, and the verifier from the storage.
      expect(page.url()).toBe(`${origin}/admin#/users`);
      await expect(
        page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage })),
      ).resolves.toBe('{}');
      const cookie = (await context.cookies()).find((c) => c.name === '__Host-console');
      expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
      const [record] = await app.db.query(
        `SELECT a.details FROM audit_log a JOIN users u ON u.id = a.target_id
         WHERE a.action = 'login' AND u.email = $1 ORDER BY a.id DESC LIMIT 1`,
        [ROOT.ADMIN_EMAIL],
      );
      expect(record.details).toMatchObject({ method: 'oauth:corp' });
      // The root's user page lists the identity the sign-in linked.
      const [root] = await app.db.query('SELECT id FROM users WHERE email = $1', [
        ROOT.ADMIN_EMAIL,
      ]);
      await page.goto(`${origin}/admin#/users/${root.id}`);
      const identities = page.getByRole('table', { name: 'Other sign-in providers' });
      await identities.getByRole('cell', { name: 'corp', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in to the admin console' }).waitFor();
    });

    it('keeps a plain user out after the provider, saying why', async () => {
      const { t: app } = provider.state;
      const plain = await createUser(app);
      const { page, context } = await throughCorp(`plain-${Date.now()}~${plain.email}~1`);
      await expect(page.getByRole('alert').textContent()).resolves.toBe(
        'This console is for admins and roots only.',
      );
      expect(page.url()).toBe(`${provider.state.base}/admin`);
      expect((await context.cookies()).map((c) => c.name)).not.toContain('__Host-console');
      const [{ n }] = await app.db.query(
        'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
        [plain.id],
      );
      expect(n).toBe(0);
    });
  });
});
