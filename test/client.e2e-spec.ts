import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { User } from '../src/users/user.entity';
import { createUser, loginToken } from './support/factories';
import { runEntry } from './support/run-server';
import { freePort } from './support/free-port';
import { startApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');

/**
 * This server, and a second Nest service (test/fixtures/consumer) in its own process that imports
 * `nest-email-auth/client` by the package's name from the built output.
 */
describe('another Nest service guarded by the client module', () => {
  let t: TestApp;
  let consumer: { kill: () => void };
  let consumerUrl: string;
  let authPort: number;

  beforeAll(async () => {
    // Build the package so the consumer loads dist/, as an outside project would.
    execFileSync(process.execPath, [join(ROOT, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    expect(existsSync(join(ROOT, 'dist/src/client/index.js'))).toBe(true);
    t = await startApp();
    authPort = await freePort();
    await t.app.listen(authPort, '127.0.0.1');
    const port = await freePort();
    consumerUrl = `http://127.0.0.1:${port}`;
    const run = await runEntry(
      'test/fixtures/consumer/main.ts',
      { AUTH_URL: `http://127.0.0.1:${authPort}`, PORT: String(port) },
      { until: /consumer ready/ },
    );
    if (run.code !== null) throw new Error(`consumer did not start: ${run.stderr}`);
    consumer = run;
  }, 120_000);

  afterAll(async () => {
    consumer?.kill();
    await t?.destroy();
  });

  const get = (path: string, token?: string) =>
    fetch(`${consumerUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('loads none of the server-side packages', async () => {
    const res = await get('/loaded');
    expect(await res.json()).toEqual([]);
  });

  it('lets a valid token through and puts the user on the request', async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email, user.password);
    const res = await get('/me', token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: user.id, email: user.email, role: 'user' });
  });

  it('leaves @Public() routes open', async () => {
    expect((await get('/public')).status).toBe(200);
  });

  it('answers 401 for a missing, garbage, logged-out or blocked token', async () => {
    const missing = await get('/me');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ statusCode: 401, code: 'invalid_token' });
    expect((await get('/me', 'garbage')).status).toBe(401);

    const user = await createUser(t);
    const loggedOut = await loginToken(t, user.email, user.password);
    await t.http.post('/logout').set('Authorization', `Bearer ${loggedOut}`).expect(204);
    expect((await get('/me', loggedOut)).status).toBe(401);

    const blocked = await createUser(t);
    const blockedToken = await loginToken(t, blocked.email, blocked.password);
    expect((await get('/me', blockedToken)).status).toBe(200);
    await t.db.getRepository(User).update({ id: blocked.id }, { isActive: false });
    expect((await get('/me', blockedToken)).status).toBe(401);
  });

  it('answers 403 on an admin-only route for a user, 200 for an admin', async () => {
    const user = await createUser(t);
    const admin = await createUser(t, { role: 'admin' });
    const forUser = await get('/admin/reports', await loginToken(t, user.email, user.password));
    expect(forUser.status).toBe(403);
    expect(await forUser.json()).toMatchObject({ statusCode: 403, code: 'forbidden' });
    const forAdmin = await get('/admin/reports', await loginToken(t, admin.email, admin.password));
    expect(forAdmin.status).toBe(200);
  });

  it('accepts the session cookie, and asks cookie-authenticated writes for the CSRF header', async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email, user.password);
    const cookie = { cookie: `__Host-session=${token}` };
    const me = await fetch(`${consumerUrl}/me`, { headers: cookie });
    expect(me.status).toBe(200);
    const noHeader = await fetch(`${consumerUrl}/notes`, { method: 'POST', headers: cookie });
    expect(noHeader.status).toBe(403);
    expect(await noHeader.json()).toMatchObject({ code: 'csrf_header_missing' });
    const withHeader = await fetch(`${consumerUrl}/notes`, {
      method: 'POST',
      headers: { ...cookie, 'x-csrf-protection': '1' },
    });
    expect(withHeader.status).toBe(201);
    // A bearer token is not a cookie: no CSRF header needed.
    const bearer = await fetch(`${consumerUrl}/notes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(201);
    // Read as the server reads it: the scheme in any case; another scheme never falls back to the cookie.
    const lower = await fetch(`${consumerUrl}/me`, {
      headers: { authorization: `bearer ${token}` },
    });
    expect(lower.status).toBe(200);
    const basic = await fetch(`${consumerUrl}/me`, {
      headers: { ...cookie, authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.status).toBe(401);
  });

  it('answers 503, not 500 or 401, while the auth server is down', async () => {
    const user = await createUser(t);
    const token = await loginToken(t, user.email, user.password);
    await t.close();
    const res = await get('/me', token);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ statusCode: 503, code: 'auth_unavailable' });
  });
});
