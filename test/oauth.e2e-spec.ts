import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SessionsService } from '../src/sessions/sessions.service';
import { bearer, createUser, GOOD_PASSWORD, uniqueEmail } from './support/factories';
import { freePort } from './support/free-port';
import { codeOf, mailTo } from './support/mail-helpers';
import { controlClock, createUserWithTotp, totpCode } from './support/mfa';
import { CookieJar, TestOidcProvider, throughProvider } from './support/oidc-provider';
import { startApp, type TestApp } from './support/test-app';

const PUBLIC_URL = 'https://auth.example.test';
const APP_RETURN = 'https://app.example.test/signed-in';
const CORP = { id: 'the-app', secret: 'corp-client-secret-for-tests' };
const GITHUB = { id: 'gh-app', secret: 'gh-client-secret-for-tests' };

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The login typed at the test provider: its subject, the address and whether it verified it. */
const person = (email: string, verified = true, sub = randomBytes(6).toString('hex')) =>
  `${sub}~${email}~${verified ? 1 : 0}`;

/**
 * A stand-in for GitHub's OAuth endpoints and API on 127.0.0.1: it checks the client secret and
 * the PKCE verifier as GitHub does, and answers /user and /user/emails for the token it issued.
 */
class GithubStandIn {
  private server!: Server;
  base = '';
  /** The person behind the next authorization. */
  next = { id: 1, emails: [] as { email: string; primary: boolean; verified: boolean }[] };
  private readonly codes = new Map<string, { challenge: string; who: GithubStandIn['next'] }>();
  private readonly tokens = new Map<string, GithubStandIn['next']>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(([status, body, location]) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          ...(location ? { location } : {}),
        });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown, string?]> {
    const url = new URL(req.url!, this.base);
    if (url.pathname === '/login/oauth/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== GITHUB.id || q.get('code_challenge_method') !== 'S256') {
        return [400, { error: 'bad request' }];
      }
      const code = randomBytes(10).toString('hex');
      this.codes.set(code, { challenge: q.get('code_challenge')!, who: this.next });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state')!);
      return [302, {}, back.href];
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      let raw = '';
      for await (const chunk of req) raw += String(chunk);
      const form = new URLSearchParams(raw);
      const grant = this.codes.get(form.get('code') ?? '');
      this.codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const ok =
        grant &&
        form.get('client_id') === GITHUB.id &&
        form.get('client_secret') === GITHUB.secret &&
        createHash('sha256').update(verifier).digest('base64url') === grant.challenge;
      // GitHub answers a bad code with 200 and an `error` member.
      if (!ok) return [200, { error: 'bad_verification_code' }];
      const token = `gho_${randomBytes(12).toString('hex')}`;
      this.tokens.set(token, grant.who);
      return [200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' }];
    }
    const who = this.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!who) return [401, { message: 'Bad credentials' }];
    if (url.pathname === '/user') return [200, { id: who.id, login: `octo${who.id}`, email: null }];
    if (url.pathname === '/user/emails') return [200, who.emails];
    return [404, { message: 'Not Found' }];
  }
}

describe('Sign-in with another provider (OpenID Connect and GitHub)', () => {
  let t: TestApp;
  let corp: TestOidcProvider;
  const github = new GithubStandIn();

  beforeAll(async () => {
    [corp] = await Promise.all([
      TestOidcProvider.start(CORP.id, CORP.secret, `${PUBLIC_URL}/login/oauth/corp/callback`),
      github.start(),
    ]);
    t = await startApp({
      PUBLIC_URL,
      LOGIN_CODE_ENABLED: 'false',
      OAUTH_PROVIDERS: 'corp,github,down',
      OAUTH_REDIRECT_URLS: APP_RETURN,
      OAUTH_CORP_DISPLAY_NAME: 'Corp SSO',
      OAUTH_CORP_CLIENT_ID: CORP.id,
      OAUTH_CORP_CLIENT_SECRET: CORP.secret,
      OAUTH_CORP_ISSUER: corp.issuer,
      OAUTH_GITHUB_CLIENT_ID: GITHUB.id,
      OAUTH_GITHUB_CLIENT_SECRET: GITHUB.secret,
      OAUTH_GITHUB_AUTHORIZATION_URL: `${github.base}/login/oauth/authorize`,
      OAUTH_GITHUB_TOKEN_URL: `${github.base}/login/oauth/access_token`,
      OAUTH_GITHUB_API_URL: github.base,
      // A provider whose issuer does not answer (a closed port).
      OAUTH_DOWN_CLIENT_ID: 'down',
      OAUTH_DOWN_CLIENT_SECRET: 'down-secret',
      OAUTH_DOWN_ISSUER: `http://127.0.0.1:${await freePort()}`,
    });
  });
  afterAll(async () => {
    await t?.destroy();
    await Promise.all([corp?.stop(), github.stop()]);
  });

  /** GET /login/oauth/{provider}: the provider's URL and the browser's flow cookie. */
  async function start(provider: string, challenge: string, redirectTo = APP_RETURN) {
    const res = await t.http
      .get(`/login/oauth/${provider}`)
      .query({ redirect_to: redirectTo, code_challenge: challenge });
    expect(res.status).toBe(302);
    const jar = new CookieJar();
    jar.store(res.headers['set-cookie'] as unknown as string[]);
    return { location: res.headers.location, jar };
  }

  /** The browser arrives at our callback with what the provider sent; where it goes next. */
  async function callback(
    providerRedirect: string,
    jar: CookieJar,
    headers: Record<string, string> = {},
  ): Promise<URL> {
    const u = new URL(providerRedirect);
    const res = await t.http
      .get(`${u.pathname}${u.search}`)
      .set({ ...headers, Cookie: jar.header() });
    expect(res.status).toBe(302);
    return new URL(res.headers.location);
  }

  /** The whole browser side with the OpenID Connect provider: the URL the app gets back. */
  async function viaCorp(login: string, opts: { deny?: boolean; language?: string } = {}) {
    const { verifier, challenge } = pkce();
    const { location, jar } = await start('corp', challenge);
    const back = await throughProvider(location, { login, until: PUBLIC_URL, deny: opts.deny });
    const headers: Record<string, string> = opts.language
      ? { 'Accept-Language': opts.language }
      : {};
    return { back: await callback(back, jar, headers), verifier };
  }

  const exchange = (code: string, verifier: string) =>
    t.http.post('/login/oauth/exchange').send({ code, code_verifier: verifier });

  /** Signs in through the provider and exchanges the code: the session's token. */
  async function corpSession(login: string): Promise<string> {
    const { back, verifier } = await viaCorp(login);
    expect(back.searchParams.get('error')).toBeNull();
    const res = await exchange(back.searchParams.get('code')!, verifier);
    expect(res.status).toBe(200);
    return res.body.token as string;
  }

  const me = async (token: string) =>
    (await t.http.get('/validate_token').set(bearer(token)).expect(200)).body as {
      id: number;
      email: string;
      is_confirmed: boolean;
    };

  const audits = (action: string, userId: string | number) =>
    t.db.query<{ outcome: string; details: Record<string, unknown> }[]>(
      `SELECT outcome, details FROM audit_log WHERE action = $1 AND target_id = $2 ORDER BY id`,
      [action, userId],
    );

  it('lists the configured providers', async () => {
    const res = await t.http.get('/login/providers').expect(200);
    expect(res.body).toEqual({
      providers: [
        { name: 'corp', display_name: 'Corp SSO' },
        { name: 'github', display_name: 'GitHub' },
        { name: 'down', display_name: 'down' },
      ],
    });
  });

  it('sends the browser to the provider with PKCE S256, state and nonce in an HttpOnly cookie', async () => {
    const { challenge } = pkce();
    const res = await t.http
      .get('/login/oauth/corp')
      .query({ redirect_to: APP_RETURN, code_challenge: challenge })
      .expect(302);
    const to = new URL(res.headers.location);
    expect(to.origin).toBe(corp.issuer);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    // Our own PKCE towards the provider, not the app's challenge passed through.
    expect(to.searchParams.get('code_challenge')).not.toBe(challenge);
    expect(to.searchParams.get('state')).toMatch(/^[\w-]{40,}$/);
    expect(to.searchParams.get('nonce')).toMatch(/^[\w-]{40,}$/);
    expect(to.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/login/oauth/corp/callback`);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).join('\n');
    expect(cookie).toMatch(/oauth_flow=[^;]+;.*HttpOnly/);
    expect(cookie).not.toContain(to.searchParams.get('state')!);
  });

  it('makes a new confirmed account without a password for a new person, and signs in', async () => {
    const email = uniqueEmail('newcomer');
    const token = await corpSession(person(email));
    const user = await me(token);
    expect(user).toMatchObject({ email, is_confirmed: true });
    // No password was set: a password login finds none.
    await t.http.post('/login').send({ email, password: GOOD_PASSWORD }).expect(401);
    const [login] = await audits('login', user.id);
    expect(login).toMatchObject({ outcome: 'success' });
    expect(login.details).toMatchObject({ method: 'oauth:corp' });
    const ids = await t.http.get('/me/identities').set(bearer(token)).expect(200);
    expect(ids.body.identities).toEqual([
      expect.objectContaining({ provider: 'corp', email, last_used_at: expect.any(String) }),
    ]);
  });

  it('gives a new account the language of the browser that came back, as sign-up does', async () => {
    const email = uniqueEmail('russian');
    const { back, verifier } = await viaCorp(person(email), {
      language: 'ru-RU,ru;q=0.9,en;q=0.5',
    });
    await exchange(back.searchParams.get('code')!, verifier).expect(200);
    const other = uniqueEmail('english');
    await corpSession(person(other));
    const rows = await t.db.query<{ email: string; locale: string }[]>(
      'SELECT email, locale FROM users WHERE email IN ($1, $2) ORDER BY email',
      [email, other],
    );
    expect(Object.fromEntries(rows.map((r) => [r.email, r.locale]))).toEqual({
      [email]: 'ru',
      [other]: 'en',
    });
  });

  it('signs a returning person in to the same account, by the subject', async () => {
    const login = person(uniqueEmail('returning'));
    const first = await me(await corpSession(login));
    const second = await me(await corpSession(login));
    expect(second.id).toBe(first.id);
    const rows = await t.db.query(`SELECT count(*)::int AS n FROM identities WHERE user_id = $1`, [
      first.id,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('links a verified address to the confirmed account that has it, which keeps its password', async () => {
    const u = await createUser(t);
    const token = await corpSession(person(u.email));
    expect(String((await me(token)).id)).toBe(String(u.id));
    await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD }).expect(200);
    const [link] = await audits('identity_link', String(u.id));
    expect(link.details).toMatchObject({ provider: 'corp' });
  });

  it('takes an unconfirmed account from whoever registered it first: their password no longer works and their sessions end', async () => {
    const email = uniqueEmail('victim');
    // The squatter registers the victim's address with their own password and holds a session
    // that would come alive once the address is confirmed.
    await t.http
      .post('/register')
      .send({ email, password: 'squatter knows this password' })
      .expect(202);
    const [{ id }] = await t.db.query(`SELECT id FROM users WHERE email = $1`, [email]);
    const squatter = await t.app
      .get(SessionsService)
      .create(String(id), { ip: '203.0.113.9', userAgent: 'squatter' });

    const token = await corpSession(person(email));
    const owner = await me(token);
    expect(owner).toMatchObject({ id: Number(id), is_confirmed: true });
    await t.http
      .post('/login')
      .send({ email, password: 'squatter knows this password' })
      .expect(401);
    await t.http.get('/validate_token').set(bearer(squatter.token)).expect(401);
    const [ended] = await t.db.query(`SELECT revoked_at FROM sessions WHERE id = $1`, [
      squatter.session.id,
    ]);
    expect(ended.revoked_at).not.toBeNull();
    const [link] = await audits('identity_link', String(id));
    expect(link.details).toMatchObject({
      address_confirmed: true,
      old_credentials_removed: true,
      sessions_ended: 1,
    });
  });

  it('asks a user with a second factor for it after the provider, as after a password', async () => {
    const clock = controlClock(t);
    try {
      const { user, secret } = await createUserWithTotp(t, clock);
      const { back, verifier } = await viaCorp(person(user.email));
      const first = await exchange(back.searchParams.get('code')!, verifier).expect(200);
      expect(first.body).toMatchObject({ mfa_required: true, methods: ['totp', 'recovery_code'] });
      const second = await t.http
        .post('/login/mfa')
        .send({ mfa_token: first.body.mfa_token, code: totpCode(secret, clock.now()) })
        .expect(200);
      const session = await me(second.body.token as string);
      expect(session).toMatchObject({ id: Number(user.id), session: { aal: 2 } });
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('refuses an address the provider did not verify, and makes no account', async () => {
    const email = uniqueEmail('unverified');
    const { back } = await viaCorp(person(email, false));
    expect(back.origin + back.pathname).toBe(APP_RETURN);
    expect(back.searchParams.get('error')).toBe('email_not_verified');
    expect(back.searchParams.get('code')).toBeNull();
    const rows = await t.db.query(`SELECT id FROM users WHERE email = $1`, [email]);
    expect(rows).toHaveLength(0);
  });

  it('does not link an unverified address to the existing account that has it', async () => {
    const u = await createUser(t);
    const { back } = await viaCorp(person(u.email, false));
    expect(back.searchParams.get('error')).toBe('email_not_verified');
    const rows = await t.db.query(`SELECT id FROM identities WHERE user_id = $1`, [u.id]);
    expect(rows).toHaveLength(0);
  });

  it('sends a wrong state back as invalid_state, and a callback without the flow cookie is 400', async () => {
    const { challenge } = pkce();
    const { location, jar } = await start('corp', challenge);
    const back = new URL(
      await throughProvider(location, { login: person(uniqueEmail('state')), until: PUBLIC_URL }),
    );
    const forged = new URL(back);
    forged.searchParams.set('state', 'x'.repeat(43));
    const to = await callback(forged.href, jar);
    expect(to.searchParams.get('error')).toBe('invalid_state');
    expect(to.searchParams.get('code')).toBeNull();

    const res = await t.http.get(`${back.pathname}${back.search}`).expect(400);
    expect(res.body.code).toBe('invalid_oauth_state');
    // Another browser's flow cookie does not fit this provider's answer either.
    const other = await start('corp', challenge);
    const to2 = await callback(back.href, other.jar);
    expect(to2.searchParams.get('error')).toBe('invalid_state');
  });

  it('accepts a code once: a replayed code is refused, also when two arrive at once', async () => {
    const { back, verifier } = await viaCorp(person(uniqueEmail('replay')));
    const code = back.searchParams.get('code')!;
    const answers = await Promise.all([exchange(code, verifier), exchange(code, verifier)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
    const again = await exchange(code, verifier);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('invalid_oauth_code');
  });

  it('refuses a code with another code_verifier, and the code is spent by it', async () => {
    const { back, verifier } = await viaCorp(person(uniqueEmail('verifier')));
    const code = back.searchParams.get('code')!;
    const wrong = await exchange(code, pkce().verifier);
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('invalid_oauth_code');
    await exchange(code, verifier).expect(400);
  });

  it.each([
    'https://evil.test/signed-in',
    'https://app.example.test.evil.test/signed-in',
    'https://app.example.test@evil.test/signed-in',
    'https://app.example.test/signed-in-elsewhere',
    '//evil.test/signed-in',
    'http://app.example.test/signed-in',
  ])('refuses redirect_to %s with 400 invalid_redirect and no redirect', async (target) => {
    const res = await t.http
      .get('/login/oauth/corp')
      .query({ redirect_to: target, code_challenge: pkce().challenge });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_redirect');
    expect(res.headers.location).toBeUndefined();
  });

  it('answers 404 for a provider that is not configured', async () => {
    const res = await t.http
      .get('/login/oauth/facebook')
      .query({ redirect_to: APP_RETURN, code_challenge: pkce().challenge });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('provider_not_found');
  });

  it('sends a blocked user back with access_denied', async () => {
    const u = await createUser(t);
    const login = person(u.email);
    await corpSession(login);
    await t.db.query(`UPDATE users SET is_active = false WHERE id = $1`, [u.id]);
    const { back } = await viaCorp(login);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('brings a denied consent back to the app as access_denied', async () => {
    const { back } = await viaCorp(person(uniqueEmail('denies')), { deny: true });
    expect(back.searchParams.get('error')).toBe('access_denied');
  });

  it('refuses to unlink the only way in, and unlinks one of two', async () => {
    const email = uniqueEmail('onlyway');
    const token = await corpSession(person(email));
    const [only] = (await t.http.get('/me/identities').set(bearer(token)).expect(200)).body
      .identities as { id: string }[];
    const refused = await t.http.delete(`/me/identities/${only.id}`).set(bearer(token));
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('last_sign_in_method');

    // A second way in (GitHub, same verified address) makes the first one removable.
    github.next = { id: 900001, emails: [{ email, primary: true, verified: true }] };
    const { verifier, challenge } = pkce();
    const { location, jar } = await start('github', challenge);
    const back = await callback(
      (await fetch(location, { redirect: 'manual' })).headers.get('location')!,
      jar,
    );
    await exchange(back.searchParams.get('code')!, verifier).expect(200);
    await t.http.delete(`/me/identities/${only.id}`).set(bearer(token)).expect(204);
    const left = (await t.http.get('/me/identities').set(bearer(token)).expect(200)).body
      .identities as { provider: string; id: string }[];
    expect(left.map((i) => i.provider)).toEqual(['github']);
    await t.http.delete(`/me/identities/${left[0].id}`).set(bearer(token)).expect(409);
  });

  it('sends the browser back with provider_unavailable when the provider cannot be reached', async () => {
    const res = await t.http
      .get('/login/oauth/down')
      .query({ redirect_to: `${APP_RETURN}?from=menu`, code_challenge: pkce().challenge })
      .expect(302);
    const back = new URL(res.headers.location);
    expect(back.origin + back.pathname).toBe(APP_RETURN);
    expect(back.searchParams.get('from')).toBe('menu');
    expect(back.searchParams.get('error')).toBe('provider_unavailable');
  });

  it('keeps a way in when two identities are unlinked at once: one goes, the other stays', async () => {
    const email = uniqueEmail('race');
    const token = await corpSession(person(email));
    github.next = { id: 900002, emails: [{ email, primary: true, verified: true }] };
    const { verifier, challenge } = pkce();
    const { location, jar } = await start('github', challenge);
    const back = await callback(
      (await fetch(location, { redirect: 'manual' })).headers.get('location')!,
      jar,
    );
    await exchange(back.searchParams.get('code')!, verifier).expect(200);
    const ids = (await t.http.get('/me/identities').set(bearer(token)).expect(200)).body
      .identities as { id: string }[];
    expect(ids).toHaveLength(2);
    const answers = await Promise.all(
      ids.map((i) => t.http.delete(`/me/identities/${i.id}`).set(bearer(token))),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([204, 409]);
    const left = (await t.http.get('/me/identities').set(bearer(token)).expect(200)).body
      .identities as unknown[];
    expect(left).toHaveLength(1);
  });

  it('lets an account made by a provider set a password by reset, after which its identity may go', async () => {
    const email = uniqueEmail('setpw');
    const token = await corpSession(person(email));
    const [only] = (await t.http.get('/me/identities').set(bearer(token)).expect(200)).body
      .identities as { id: string }[];
    // Without a password, changing one asks for a password it cannot give.
    await t.http
      .put('/password')
      .set(bearer(token))
      .send({ current_password: 'anything at all here', new_password: 'x'.repeat(20) })
      .expect(400);
    await t.http.post('/password/forgot').send({ email }).expect(202);
    const mail = await mailTo(t.mail, email, /Reset your/);
    const password = 'a brand new password for this account';
    await t.http
      .post('/password/reset')
      .send({ email, code: codeOf(mail), new_password: password })
      .expect(200);
    const login = await t.http.post('/login').send({ email, password }).expect(200);
    await t.http
      .delete(`/me/identities/${only.id}`)
      .set(bearer(login.body.token as string))
      .expect(204);
  });

  it("answers 404 for another user's identity", async () => {
    const mine = await corpSession(person(uniqueEmail('owner')));
    const [theirs] = (await t.http.get('/me/identities').set(bearer(mine)).expect(200)).body
      .identities as { id: string }[];
    const other = await corpSession(person(uniqueEmail('other')));
    const res = await t.http.delete(`/me/identities/${theirs.id}`).set(bearer(other));
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('identity_not_found');
  });

  it("shows a user's identities to an admin", async () => {
    const email = uniqueEmail('listed');
    const user = await me(await corpSession(person(email)));
    const admin = await createUser(t, { role: 'admin' });
    const login = await t.http.post('/login').send({ email: admin.email, password: GOOD_PASSWORD });
    const res = await t.http
      .get(`/users/${user.id}/identities`)
      .set(bearer(login.body.token as string))
      .expect(200);
    expect(res.body.identities).toEqual([expect.objectContaining({ provider: 'corp', email })]);
    const plain = await corpSession(person(uniqueEmail('plain')));
    await t.http.get(`/users/${user.id}/identities`).set(bearer(plain)).expect(403);
  });

  // The console's own sign-in through a provider: the same code, exchanged at
  // POST /admin/session/oauth for the console's cookie, and only by a root or admin.
  describe("the admin console's sign-in", () => {
    const CSRF = { 'X-CSRF-Protection': '1' };
    const consoleExchange = (code: string, verifier: string) =>
      t.http.post('/admin/session/oauth').set(CSRF).send({ code, code_verifier: verifier });
    const cookieOf = (res: { headers: Record<string, unknown> }) =>
      ((res.headers['set-cookie'] as string[] | undefined) ?? []).find((c) =>
        c.startsWith('__Host-console='),
      );
    const liveSessions = async (userId: string | number) =>
      (
        await t.db.query<{ n: number }[]>(
          'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
          [userId],
        )
      )[0].n;

    it("gives an admin the console's cookie (never a token in the body), linked by the verified address", async () => {
      const admin = await createUser(t, { role: 'admin' });
      const { back, verifier } = await viaCorp(person(admin.email));
      const code = back.searchParams.get('code')!;
      // Without the CSRF header nothing happens, and the code is not spent.
      await t.http
        .post('/admin/session/oauth')
        .send({ code, code_verifier: verifier })
        .expect(403)
        .expect((r) => expect(r.body.code).toBe('csrf_header_missing'));
      const res = await consoleExchange(code, verifier).expect(200);
      expect(res.body).toMatchObject({ email: admin.email, role: 'admin' });
      expect(res.body).not.toHaveProperty('token');
      const cookie = cookieOf(res);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
      const pair = cookie!.split(';')[0];
      const who = await t.http.get('/admin/session').set('Cookie', pair).expect(200);
      expect(who.body).toMatchObject({ email: admin.email });
      const logins = await audits('login', admin.id);
      expect(logins.at(-1)).toMatchObject({
        outcome: 'success',
        details: expect.objectContaining({ method: 'oauth:corp' }),
      });
      // Single use, as at POST /login/oauth/exchange.
      await consoleExchange(code, verifier).expect(400);
    });

    it('gives one console session for two exchanges of one code at once', async () => {
      const admin = await createUser(t, { role: 'admin' });
      const { back, verifier } = await viaCorp(person(admin.email));
      const code = back.searchParams.get('code')!;
      const answers = await Promise.all([
        consoleExchange(code, verifier),
        consoleExchange(code, verifier),
      ]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(answers.filter((r) => cookieOf(r) !== undefined)).toHaveLength(1);
      expect(await liveSessions(admin.id)).toBe(1);
    });

    it('refuses anyone else: 403 not_an_admin, their session ended, the code spent, the refusal recorded', async () => {
      const email = uniqueEmail('not-admin');
      const { back, verifier } = await viaCorp(person(email));
      const code = back.searchParams.get('code')!;
      const res = await consoleExchange(code, verifier).expect(403);
      expect(res.body.code).toBe('not_an_admin');
      expect(cookieOf(res)).toBeUndefined();
      const [user] = await t.db.query<{ id: string }[]>('SELECT id FROM users WHERE email = $1', [
        email,
      ]);
      expect(await liveSessions(user.id)).toBe(0);
      const refusals = await audits('access_denied', user.id);
      expect(refusals.at(-1)).toMatchObject({
        outcome: 'not_an_admin',
        details: expect.objectContaining({ path: '/admin/session/oauth' }),
      });
      await exchange(code, verifier).expect(400);
    });

    it('asks an admin with a second factor for it, then gives the cookie at POST /admin/session/mfa', async () => {
      const clock = controlClock(t);
      try {
        const { user, secret } = await createUserWithTotp(t, clock, { role: 'admin' });
        const { back, verifier } = await viaCorp(person(user.email));
        const first = await consoleExchange(back.searchParams.get('code')!, verifier).expect(200);
        expect(first.body).toMatchObject({ mfa_required: true });
        expect(cookieOf(first)).toBeUndefined();
        const second = await t.http
          .post('/admin/session/mfa')
          .set(CSRF)
          .send({ mfa_token: first.body.mfa_token, code: totpCode(secret, clock.now()) })
          .expect(200);
        expect(second.body).toMatchObject({ email: user.email, session: { aal: 2 } });
        expect(cookieOf(second)).toBeDefined();
      } finally {
        jest.restoreAllMocks();
      }
    });
  });

  describe('GitHub preset (against a local stand-in of its endpoints)', () => {
    async function viaGithub(who: GithubStandIn['next']) {
      github.next = who;
      const { verifier, challenge } = pkce();
      const { location, jar } = await start('github', challenge);
      const to = new URL(location);
      expect(to.origin + to.pathname).toBe(`${github.base}/login/oauth/authorize`);
      expect(to.searchParams.get('scope')).toBe('read:user user:email');
      const providerBack = (await fetch(location, { redirect: 'manual' })).headers.get('location')!;
      return { back: await callback(providerBack, jar), verifier };
    }

    it('signs in by the verified primary address of /user/emails, as the GitHub user id', async () => {
      const email = uniqueEmail('octo');
      const who = {
        id: 424242,
        emails: [
          { email: uniqueEmail('secondary'), primary: false, verified: true },
          { email, primary: true, verified: true },
        ],
      };
      const { back, verifier } = await viaGithub(who);
      const res = await exchange(back.searchParams.get('code')!, verifier).expect(200);
      const user = await me(res.body.token as string);
      expect(user.email).toBe(email);
      const [identity] = await t.db.query(
        `SELECT provider, subject FROM identities WHERE user_id = $1`,
        [user.id],
      );
      expect(identity).toEqual({ provider: 'github', subject: '424242' });
      const [login] = await audits('login', user.id);
      expect(login.details).toMatchObject({ method: 'oauth:github' });
    });

    it('refuses an unverified primary address', async () => {
      const { back } = await viaGithub({
        id: 777,
        emails: [{ email: uniqueEmail('gh-unverified'), primary: true, verified: false }],
      });
      expect(back.searchParams.get('error')).toBe('email_not_verified');
    });

    it('reports a code GitHub refuses as provider_error', async () => {
      github.next = { id: 778, emails: [] };
      const { challenge } = pkce();
      const { location, jar } = await start('github', challenge);
      const providerBack = new URL(
        (await fetch(location, { redirect: 'manual' })).headers.get('location')!,
      );
      providerBack.searchParams.set('code', 'not-a-code-it-issued');
      const back = await callback(providerBack.href, jar);
      expect(back.searchParams.get('error')).toBe('provider_error');
    });
  });

  describe('with SIGNUP_ENABLED=false', () => {
    let closed: TestApp;
    beforeAll(async () => {
      // Its own database: the embedded one serves one app at a time.
      const { DATA_DIR: _dir, DATABASE_URL: _url, SMTP_URL: _smtp, ...settings } = t.env;
      closed = await startApp({ ...settings, SIGNUP_ENABLED: 'false' });
    });
    afterAll(() => closed?.destroy());

    it('makes no account for a new person (signup_disabled), but links an existing one', async () => {
      const signIn = async (login: string) => {
        const { verifier, challenge } = pkce();
        const res = await closed.http
          .get('/login/oauth/corp')
          .query({ redirect_to: APP_RETURN, code_challenge: challenge })
          .expect(302);
        const jar = new CookieJar();
        jar.store(res.headers['set-cookie'] as unknown as string[]);
        const u = new URL(
          await throughProvider(res.headers.location, { login, until: PUBLIC_URL }),
        );
        const back = await closed.http
          .get(`${u.pathname}${u.search}`)
          .set('Cookie', jar.header())
          .expect(302);
        return { back: new URL(back.headers.location), verifier };
      };
      const email = uniqueEmail('closed');
      const refused = await signIn(person(email));
      expect(refused.back.searchParams.get('error')).toBe('signup_disabled');
      expect(await closed.db.query(`SELECT id FROM users WHERE email = $1`, [email])).toHaveLength(
        0,
      );

      const u = await createUser(closed);
      const linked = await signIn(person(u.email));
      const code = linked.back.searchParams.get('code')!;
      await closed.http
        .post('/login/oauth/exchange')
        .send({ code, code_verifier: linked.verifier })
        .expect(200);
    });
  });
});
