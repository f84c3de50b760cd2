import { createServer, Server } from 'node:http';
import { bearer, createUser, loginToken } from './support/factories';
import { freePort } from './support/free-port';
import { Nginx } from './support/nginx';
import { startApp, TestApp } from './support/test-app';

const AUTH_HEADERS = [
  'x-auth-user-id',
  'x-auth-user-email',
  'x-auth-user-role',
  'x-auth-session-id',
  'x-auth-aal',
];

describe('GET /auth/forward', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t?.destroy());

  it('answers 200 with the caller in X-Auth-* headers and an empty body, never cached', async () => {
    const u = await createUser(t, { role: 'admin' });
    const token = await loginToken(t, u.email);
    const res = await t.http.get('/auth/forward').set(bearer(token)).expect(200);
    const session = await t.http.get('/validate_token').set(bearer(token)).expect(200);
    expect(res.headers).toMatchObject({
      'x-auth-user-id': String(u.id),
      'x-auth-user-email': u.email,
      'x-auth-user-role': 'admin',
      'x-auth-session-id': session.body.session.id,
      'x-auth-aal': '1',
      'cache-control': 'no-store',
    });
    expect(res.text).toBe('');
    // Envoy's ext_authz appends the original path to its path_prefix.
    const below = await t.http.get('/auth/forward/reports/7').set(bearer(token)).expect(200);
    expect(below.headers['x-auth-user-id']).toBe(String(u.id));
  });

  it('sends an address beyond ASCII as its UTF-8 bytes, not a 500', async () => {
    for (const email of ['日本.forward@example.com', 'jürgen.forward@exämple.com']) {
      const u = await createUser(t, { email });
      const token = await loginToken(t, u.email);
      const res = await t.http.get('/auth/forward').set(bearer(token));
      expect(res.status).toBe(200);
      // Node reads header bytes as latin1; the bytes themselves are the address in UTF-8.
      const bytes = Buffer.from(res.headers['x-auth-user-email'], 'latin1');
      expect(bytes.toString('utf8')).toBe(email);
    }
  });

  it('answers 401 for a missing, garbage or logged-out token', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    await t.http.post('/logout').set(bearer(token)).expect(204);
    for (const auth of [undefined, 'Bearer garbage', `Bearer ${token}`]) {
      const req = t.http.get('/auth/forward');
      const res = await (auth ? req.set('Authorization', auth) : req);
      expect(res.status).toBe(401);
      expect(res.headers['cache-control']).toBe('no-store');
      for (const h of AUTH_HEADERS) expect(res.headers[h]).toBeUndefined();
    }
  });
});

describe('behind a real nginx (Debian nginx-light; .ci/run installs it)', () => {
  let t: TestApp;
  let nginx: Nginx;
  let upstream: Server;
  let base: string;
  const seen: Record<string, string | undefined>[] = [];

  beforeAll(async () => {
    t = await startApp();
    const authPort = await freePort();
    await t.app.listen(authPort, '127.0.0.1');
    // The service behind the gateway: answers with the identity headers it was given.
    upstream = createServer((req, res) => {
      const got = Object.fromEntries(AUTH_HEADERS.map((h) => [h, req.headers[h] as string]));
      seen.push(got);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, ...got }));
    });
    const upstreamPort = await freePort();
    await new Promise<void>((r) => upstream.listen(upstreamPort, '127.0.0.1', r));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The configuration docs/services.md shows, with loopback ports.
    nginx = await Nginx.start(
      port,
      `server {
        listen 127.0.0.1:${port};
        location = /_auth {
          internal;
          proxy_pass http://127.0.0.1:${authPort}/auth/forward;
          proxy_pass_request_body off;
          proxy_set_header Content-Length "";
          proxy_set_header X-Original-URI $request_uri;
        }
        location / {
          auth_request /_auth;
          auth_request_set $auth_user_id $upstream_http_x_auth_user_id;
          auth_request_set $auth_user_email $upstream_http_x_auth_user_email;
          auth_request_set $auth_user_role $upstream_http_x_auth_user_role;
          auth_request_set $auth_session_id $upstream_http_x_auth_session_id;
          auth_request_set $auth_aal $upstream_http_x_auth_aal;
          proxy_set_header X-Auth-User-Id $auth_user_id;
          proxy_set_header X-Auth-User-Email $auth_user_email;
          proxy_set_header X-Auth-User-Role $auth_user_role;
          proxy_set_header X-Auth-Session-Id $auth_session_id;
          proxy_set_header X-Auth-Aal $auth_aal;
          proxy_pass http://127.0.0.1:${upstreamPort};
        }
      }`,
    );
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await new Promise((r) => upstream?.close(r));
    await t?.destroy();
  });

  it('passes a signed-in request upstream with who it is, and stops the rest with 401', async () => {
    const u = await createUser(t);
    const token = await loginToken(t, u.email);
    const ok = await fetch(`${base}/reports?x=1`, { headers: bearer(token) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      path: '/reports?x=1',
      'x-auth-user-id': String(u.id),
      'x-auth-user-email': u.email,
      'x-auth-user-role': 'user',
      'x-auth-aal': '1',
    });

    const before = seen.length;
    expect((await fetch(`${base}/reports`)).status).toBe(401);
    expect((await fetch(`${base}/reports`, { headers: bearer('garbage') })).status).toBe(401);
    // A client cannot smuggle an identity past the gateway: without a session it never gets there.
    const forged = await fetch(`${base}/reports`, { headers: { 'X-Auth-User-Id': '1' } });
    expect(forged.status).toBe(401);
    expect(seen.length).toBe(before);

    await t.http.post('/logout').set(bearer(token)).expect(204);
    expect((await fetch(`${base}/reports`, { headers: bearer(token) })).status).toBe(401);
    expect(seen.length).toBe(before);
  });
});
