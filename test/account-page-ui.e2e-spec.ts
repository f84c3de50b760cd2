import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { browserSuite, haveChromium, toProviderConsent } from './support/browser';
import { bearer, createUser, GOOD_PASSWORD, loginToken, uniqueEmail } from './support/factories';
import { codeOf, mailTo } from './support/mail-helpers';
import { controlClock, createUserWithTotp, totpCode } from './support/mfa';
import { TestOidcProvider } from './support/oidc-provider';
import type { TestApp } from './support/test-app';

const haveBrowser = haveChromium('the account page test');
const SHOTS = join(__dirname, '..', 'test-artifacts', 'account');
const NEW_PASSWORD = 'seven green parrots argue loudly';

(haveBrowser ? describe : describe.skip)('the account page in Chromium', () => {
  // Passkeys are bound to this origin (once the server has the passkey routes); an IP address
  // cannot be a relying party, so the browser calls the server `localhost`.
  const ui = browserSuite(
    SHOTS,
    (origin) => ({
      AUTH_COOKIE: 'false',
      PUBLIC_URL: origin,
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: origin,
    }),
    'localhost',
  );
  const { open, check } = ui;
  let t: TestApp;
  let base: string;
  beforeAll(() => {
    ({ t, base } = ui.state);
  });

  const h1 = (page: Page) => page.getByRole('heading', { level: 1 });

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${base}/account`);
    await page.getByLabel(/^(Email|Эл\. почта)$/).fill(email);
    await page.getByLabel(/^(Password|Пароль)$/).fill(password);
    await page.getByRole('button', { name: /^(Sign in|Войти)$/ }).click();
    await page.getByRole('navigation', { name: /Sections|Разделы/ }).waitFor();
  }

  /** The session of the page, as GET /validate_token answers it for the page's cookie. */
  const pageSession = (page: Page) =>
    page.evaluate(async () => {
      const r = await fetch('/validate_token', { headers: { Accept: 'application/json' } });
      return (await r.json()) as { email: string; session: { id: string; aal: number } };
    });

  it('signs up, confirms with the mailed code, signs in, edits the profile, ends a session and changes the password', async () => {
    const email = uniqueEmail('page');
    const { page, context } = await open();
    const providers = page.waitForResponse((r) => r.url().endsWith('/login/providers'));
    await page.goto(`${base}/account`);
    await expect(h1(page).textContent()).resolves.toBe('Sign in to your account');
    await expect(page.getByLabel('Email').getAttribute('autocomplete')).resolves.toBe(
      'username webauthn',
    );
    // No provider is configured here: no provider button (nor its heading).
    await expect((await providers).json()).resolves.toEqual({ providers: [] });
    await expect(page.getByText('Or sign in with another account').count()).resolves.toBe(0);
    await check(page, 'sign-in');

    await page.getByRole('button', { name: 'Create an account' }).click();
    await h1(page).filter({ hasText: 'Create an account' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await page.getByLabel('Name', { exact: true }).fill('Grace');
    await check(page, 'sign-up');
    await page.getByRole('button', { name: 'Create the account' }).click();
    await h1(page).filter({ hasText: 'Confirm your address' }).waitFor();
    const mail = await mailTo(t.mail, email, /./);
    await page.getByLabel('Code from the mail').fill(codeOf(mail));
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByText('Your address is confirmed. Sign in.').waitFor();

    // The address is kept; the password and Enter sign in.
    await expect(page.getByLabel('Email').inputValue()).resolves.toBe(email);
    await page.getByLabel('Password').fill('a wrong password for sure');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'The email or the password is wrong.',
    );
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Profile' }).waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === '__Host-account');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    await expect(page.evaluate(() => document.cookie)).resolves.not.toContain('__Host-account');
    // Nothing of the session token is kept in the page's storage either.
    await expect(
      page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage })),
    ).resolves.toBe('{}');
    await check(page, 'profile');

    await page.getByLabel('Name', { exact: true }).fill('Ada');
    await page.getByLabel('Surname').fill('Lovelace');
    await page.getByLabel('Language of the mails').selectOption('ru');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    const [row] = await t.db.query('SELECT id, name, surname, locale FROM users WHERE email = $1', [
      email,
    ]);
    expect(row).toMatchObject({ name: 'Ada', surname: 'Lovelace', locale: 'ru' });
    // A reload keeps the session (the server tells the page there is a cookie to ask about).
    await page.reload();
    await expect(page.getByLabel('Surname').inputValue()).resolves.toBe('Lovelace');

    // Another session of the same user, somewhere else: listed, and ended from here.
    const elsewhere = await loginToken(t, email, GOOD_PASSWORD);
    await page.getByRole('link', { name: 'Sessions' }).click();
    await h1(page).filter({ hasText: 'Sessions' }).waitFor();
    await expect(page.locator('tbody tr').count()).resolves.toBe(2);
    await page.getByText('this one', { exact: true }).waitFor();
    await check(page, 'sessions');
    await page.getByRole('button', { name: /^End the session of / }).click();
    await page.getByText('The session has ended.').waitFor();
    await expect(page.locator('tbody tr').count()).resolves.toBe(1);
    await t.http.get('/validate_token').set(bearer(elsewhere)).expect(401);
    const mine = await pageSession(page);
    expect(mine.email).toBe(email);

    await page.getByRole('link', { name: 'Sign-in and security' }).click();
    await h1(page).filter({ hasText: 'Sign-in and security' }).waitFor();
    await check(page, 'security');
    await page.getByLabel('Current password').first().fill(GOOD_PASSWORD);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change the password' }).click();
    await page.getByText('Password changed. Your other sessions have ended.').waitFor();
    await t.http.post('/login').send({ email, password: GOOD_PASSWORD }).expect(401);
    await t.http.post('/login').send({ email, password: NEW_PASSWORD }).expect(200);
    // This session goes on.
    expect((await pageSession(page)).session.id).toBe(mine.session.id);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await h1(page).filter({ hasText: 'Sign in' }).waitFor();
    // The session ended with the sign-out, and its cookie is gone.
    await t.http
      .get('/validate_token')
      .set('Cookie', `__Host-account=${cookie!.value}`)
      .expect(401);
    expect((await context.cookies()).map((c) => c.name)).not.toContain('__Host-account');
    await page.reload();
    await h1(page).filter({ hasText: 'Sign in' }).waitFor();
  });

  it('signs in with a mailed code, then the authenticator app, at aal 2; ends all other sessions', async () => {
    const clock = controlClock(t);
    const { user, secret, recoveryCodes } = await createUserWithTotp(t, clock);
    const { page } = await open();
    await page.goto(`${base}/account`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByRole('button', { name: 'Email me a code instead' }).click();
    await h1(page).filter({ hasText: 'Sign in with a code by mail' }).waitFor();
    await expect(page.getByLabel('Email').inputValue()).resolves.toBe(user.email);
    await page.getByRole('button', { name: 'Send the code' }).click();
    await page.getByLabel('Code from the mail').waitFor();
    const mail = await mailTo(t.mail, user.email, /code/i);
    await page.getByLabel('Code from the mail').fill(codeOf(mail));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await h1(page).filter({ hasText: 'Second step of the sign-in' }).waitFor();
    await check(page, 'sign-in-mfa');
    await page.getByLabel('Code from the app').fill(totpCode(secret, clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { level: 1, name: 'Profile' }).waitFor();
    const mine = await pageSession(page);
    expect(mine.session.aal).toBe(2);

    // Sessions elsewhere (the one that turned the factor on, and one more), ended together; this
    // one goes on.
    const step = await t.http.post('/login').send({ email: user.email, password: user.password });
    const more = await t.http
      .post('/login/mfa')
      .send({ mfa_token: step.body.mfa_token, recovery_code: recoveryCodes[0] })
      .expect(200);
    const others = [more.body.token as string];
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByText('this one', { exact: true }).waitFor();
    await expect(page.locator('tbody tr').count()).resolves.toBe(3);
    await page.getByRole('button', { name: 'End all other sessions' }).click();
    await page.getByText('Every other session has ended.').waitFor();
    await expect(page.locator('tbody tr').count()).resolves.toBe(1);
    for (const token of others) await t.http.get('/validate_token').set(bearer(token)).expect(401);
    expect((await pageSession(page)).session.id).toBe(mine.session.id);
  });

  it('turns the authenticator app on with a QR code drawn in the page, and shows the recovery codes once', async () => {
    const clock = controlClock(t);
    const user = await createUser(t);
    const { page } = await open();
    await signIn(page, user.email, user.password);
    await page.getByRole('link', { name: 'Sign-in and security' }).click();
    const app = page.getByRole('region', { name: 'Authenticator app' });
    await app.getByLabel('Password', { exact: true }).fill(user.password);
    await app.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    const qr = page.getByRole('img', { name: 'QR code for the authenticator app' });
    await qr.waitFor();
    // A real QR code: square, with enough modules for the otpauth URI.
    const box = await qr.boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    expect(box!.width).toBe(box!.height);
    const secret = (await page.locator('code.secret').textContent())!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await check(page, 'totp-enrol');
    await app.getByLabel('Code from the app').fill(totpCode(secret, clock.now()));
    await app.getByRole('button', { name: 'Turn it on' }).click();
    await h1(page).filter({ hasText: 'Two-step sign-in is on' }).waitFor();
    const codes = await page
      .getByRole('list', { name: 'Recovery codes' })
      .locator('li')
      .allTextContents();
    expect(codes).toHaveLength(10);
    await check(page, 'totp-recovery-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page
      .getByText('Two-step sign-in is on: signing in asks for a code of your app.')
      .waitFor();
    const [{ n }] = await t.db.query(
      'SELECT count(*)::int AS n FROM mfa_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL',
      [user.id],
    );
    expect(n).toBe(1);
  });

  it('changes the sign-in address with the code mailed to the new one', async () => {
    const user = await createUser(t);
    const next = uniqueEmail('moved');
    const { page } = await open();
    await signIn(page, user.email, user.password);
    const part = page.getByRole('region', { name: 'Sign-in address' });
    await part.getByLabel('New email address').fill(next);
    await part.getByLabel('Current password').fill('not the password at all');
    await part.getByRole('button', { name: 'Change the address' }).click();
    await expect(part.getByRole('alert').textContent()).resolves.toBe(
      'The current password is wrong.',
    );
    await part.getByLabel('Current password').fill(user.password);
    await part.getByRole('button', { name: 'Change the address' }).click();
    const mail = await mailTo(t.mail, next, /new email/i);
    await part.getByLabel('Code from the mail').fill(codeOf(mail));
    await check(page, 'email-change');
    await part.getByRole('button', { name: 'Confirm the new address' }).click();
    // The header shows the new address too.
    await page.getByRole('banner').getByText(next).waitFor();
    const [row] = await t.db.query('SELECT email FROM users WHERE id = $1', [user.id]);
    expect(row.email).toBe(next);
  });

  it('downloads the data of the account, then deletes the account', async () => {
    const user = await createUser(t);
    const { page } = await open();
    await signIn(page, user.email, user.password);
    await page.getByRole('link', { name: 'Your data' }).click();
    await h1(page).filter({ hasText: 'Your data' }).waitFor();
    await check(page, 'data');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download my data' }).click(),
    ]);
    const data = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      profile: { email: string };
    };
    expect(data.profile.email).toBe(user.email);

    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Tick the box to confirm.');
    await page.getByLabel('Yes, delete my account').check();
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByText('Your account is deleted.').waitFor();
    const rows = await t.db.query('SELECT 1 FROM users WHERE email = $1', [user.email]);
    expect(rows).toEqual([]);
  });

  it('speaks Russian to a browser that asks for it', async () => {
    const user = await createUser(t);
    const { page } = await open('ru-RU');
    await page.goto(`${base}/account`);
    await expect(h1(page).textContent()).resolves.toBe('Вход в аккаунт');
    await check(page, 'ru-sign-in');
    /** The visible words of the page that are not Russian (the address and language names aside). */
    const foreignWords = () =>
      page.evaluate((email) => {
        const text = document.body.innerText.replaceAll(email, '');
        return (text.match(/[A-Za-z]{3,}/g) ?? []).filter(
          (w) => !['English', 'JSON', 'QR'].includes(w),
        );
      }, user.email);
    await expect(foreignWords()).resolves.toEqual([]);
    await signIn(page, user.email, user.password);
    await page.getByRole('heading', { level: 1, name: 'Профиль' }).waitFor();
    await expect(
      page.getByRole('navigation', { name: 'Разделы' }).textContent(),
    ).resolves.toContain('Сеансы');
    await expect(foreignWords()).resolves.toEqual([]);
    await check(page, 'ru-profile');
    await page.getByRole('link', { name: 'Вход и безопасность' }).click();
    await h1(page).filter({ hasText: 'Вход и безопасность' }).waitFor();
    await expect(foreignWords()).resolves.toEqual([]);
    await check(page, 'ru-security');
  });

  // The passkey routes come with src/passkeys/; until the server has them, this walk is skipped.
  const havePasskeys = existsSync(join(__dirname, '..', 'src', 'passkeys'));
  (havePasskeys ? describe : describe.skip)(
    havePasskeys
      ? 'passkeys, with the DevTools virtual authenticator'
      : 'passkeys, with the DevTools virtual authenticator (skipped: this server has no passkey routes)',
    () => {
      it('adds a passkey on the page, signs out, signs in by the autofill of the email field at aal 2', async () => {
        await t.http.post('/login/passkey/options').expect(200);
        const user = await createUser(t);
        const { page, context } = await open();
        const cdp = await context.newCDPSession(page);
        await cdp.send('WebAuthn.enable');
        const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
          options: {
            protocol: 'ctap2',
            transport: 'internal',
            hasResidentKey: true,
            hasUserVerification: true,
            isUserVerified: true,
          },
        });

        await signIn(page, user.email, user.password);
        await page.getByRole('link', { name: 'Sign-in and security' }).click();
        const part = page.getByRole('region', { name: 'Passkeys' });
        await part.getByText('No passkey yet.').waitFor();
        await part.getByLabel(/^Name/).fill('test laptop');
        await part.getByLabel('Current password').fill(user.password);
        await part.getByRole('button', { name: 'Add a passkey' }).click();
        await part.getByText('test laptop', { exact: true }).waitFor();
        await check(page, 'passkeys');
        const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
        expect(credentials).toHaveLength(1);
        expect(credentials[0].isResidentCredential).toBe(true);

        // Renamed on the page.
        await part.getByText('Rename or remove “test laptop”').click();
        await part.getByLabel('New name').fill('work laptop');
        await part.getByRole('button', { name: 'Rename' }).click();
        await part.getByText('work laptop').first().waitFor();

        const before = await pageSession(page);
        const passkeySignIn = page.waitForResponse((r) => r.url().endsWith('/login/passkey'), {
          timeout: 15_000,
        });
        await page.getByRole('button', { name: 'Sign out' }).click();
        // Nothing typed, nothing clicked: the email field's autofill offers the passkey, and the
        // virtual authenticator picks it (so the sign-in screen may be gone at once). The page
        // comes back to the section it showed.
        expect((await passkeySignIn).status()).toBe(200);
        await page.getByRole('navigation', { name: 'Sections' }).waitFor({ timeout: 15_000 });
        const session = await pageSession(page);
        expect(session.email).toBe(user.email);
        expect(session.session.aal).toBe(2);
        expect(session.session.id).not.toBe(before.session.id);
        const [record] = await t.db.query(
          `SELECT details FROM audit_log WHERE action = 'login' AND target_id = $1 ORDER BY id DESC LIMIT 1`,
          [user.id],
        );
        expect(record.details).toMatchObject({ method: 'passkey', session_id: session.session.id });

        // Removed on the page, with the password.
        await page.getByRole('link', { name: 'Sign-in and security' }).click();
        const item = part.getByRole('listitem').filter({ hasText: 'work laptop' });
        await item.getByText('Rename or remove “work laptop”').click();
        await item.getByLabel('Current password').fill(user.password);
        await item.getByRole('button', { name: 'Remove' }).click();
        await part.getByText('No passkey yet.').waitFor();
      });
    },
  );

  // The page's own sign-in with a provider: a real OpenID Connect provider (oidc-provider) in
  // its own process, its login and consent pages driven in the browser. Sign-in by code is off
  // here, so an identity can be an account's only way in.
  describe('with a provider (a real OpenID Connect provider)', () => {
    let corp: TestOidcProvider;
    const provider = browserSuite(
      SHOTS,
      async (origin) => {
        corp = await TestOidcProvider.start(
          'account-page',
          'account-page-client-secret',
          `${origin}/login/oauth/corp/callback`,
        );
        // OAUTH_REDIRECT_URLS is left to its default, PUBLIC_URL: <origin>/account passes.
        return {
          AUTH_COOKIE: 'false',
          PUBLIC_URL: origin,
          LOGIN_CODE_ENABLED: 'false',
          OAUTH_PROVIDERS: 'corp',
          OAUTH_CORP_DISPLAY_NAME: 'Corp SSO',
          OAUTH_CORP_CLIENT_ID: 'account-page',
          OAUTH_CORP_CLIENT_SECRET: 'account-page-client-secret',
          OAUTH_CORP_ISSUER: corp.issuer,
        };
      },
      'localhost',
    );
    afterAll(() => corp?.stop());

    /** The provider's pages (its development login and consent), until `consent` is shown. */
    const atProviderConsent = (login: string, shot?: string) =>
      toProviderConsent(provider, corp.issuer, '/account', login, shot);

    it('signs in with the provider (PKCE from the page), lists the identity, refuses to unlink the only way in, and deletes the account with a mailed code', async () => {
      const { t: app, base: origin } = provider.state;
      const email = uniqueEmail('provider');
      const { page, startUrl } = await atProviderConsent(
        `subject-${Date.now()}~${email}~1`,
        'sign-in-providers',
      );
      expect(startUrl.searchParams.get('redirect_to')).toBe(`${origin}/account`);
      expect(startUrl.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
      await page.getByRole('button', { name: 'Continue' }).click();

      await page.getByRole('heading', { level: 1, name: 'Profile' }).waitFor();
      // The code is gone from the address, and the verifier from the storage.
      expect(page.url()).toBe(`${origin}/account#/profile`);
      await expect(
        page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage })),
      ).resolves.toBe('{}');
      const session = await pageSession(page);
      expect(session.email).toBe(email);
      const [record] = await app.db.query(
        `SELECT details FROM audit_log WHERE action = 'login' AND details->>'session_id' = $1`,
        [session.session.id],
      );
      expect(record.details).toMatchObject({ method: 'oauth:corp' });

      await page.getByRole('link', { name: 'Sign-in and security' }).click();
      const part = page.getByRole('region', { name: 'Linked accounts' });
      await part.getByText(email).waitFor();
      await part.getByText('Corp SSO', { exact: true }).waitFor();
      await provider.check(page, 'identities');
      await part.getByRole('button', { name: 'Unlink Corp SSO' }).click();
      await expect(part.getByRole('alert').textContent()).resolves.toBe(
        'This is the only way into the account: set a password or link another first.',
      );
      const [{ n }] = await app.db.query(
        'SELECT count(*)::int AS n FROM identities i JOIN users u ON u.id = i.user_id WHERE u.email = $1',
        [email],
      );
      expect(n).toBe(1);

      // This account has no password: its deletion is confirmed with the code the API mails.
      await page.getByRole('link', { name: 'Your data' }).click();
      await page.getByRole('button', { name: 'No password? Email me a code instead' }).click();
      const mail = await mailTo(app.mail, email, /./);
      await page.getByLabel('Code from the mail').fill(codeOf(mail));
      await page.getByLabel('Yes, delete my account').check();
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await page.getByText('Your account is deleted.').waitFor();
      const rows = await app.db.query('SELECT 1 FROM users WHERE email = $1', [email]);
      expect(rows).toEqual([]);
    });

    it('says a declined consent (?error=access_denied) on the sign-in', async () => {
      const login = `subject-${Date.now()}~${uniqueEmail('declines')}~1`;
      const { page } = await atProviderConsent(login);
      await page.getByRole('link', { name: '[ Cancel ]' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toBe(
        'The sign-in was declined, or this account is blocked.',
      );
      expect(page.url()).toBe(`${provider.state.base}/account`);
    });
  });
});
