import { ExecutionContext, HttpException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthUser } from './auth-user';
import { AuthClientGuard } from './auth-client.guard';
import { AuthClientService } from './auth-client.service';

/** A stand-in auth server over real HTTP that accepts every token and counts the checks. */
function startAuthServer(): Promise<{ url: string; checks: () => number; stop: () => void }> {
  let checks = 0;
  const server: Server = createServer((_, res) => {
    checks += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 7,
        email: 'ada@example.com',
        role: 'user',
        session: { id: 's-1', expires_at: new Date(Date.now() + 3600_000).toISOString(), aal: 1 },
      }),
    );
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        checks: () => checks,
        stop: () => {
          server.closeAllConnections();
          server.close();
        },
      }),
    ),
  );
}

function httpContext(headers: Record<string, string>) {
  const req: { headers: Record<string, string>; user?: AuthUser } = { headers };
  class Routes {
    route() {}
  }
  const context = {
    getType: () => 'http',
    getHandler: () => Routes.prototype.route,
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext; // only the parts of Nest's context the guard reads
  return { req, context };
}

describe('AuthClientGuard', () => {
  let server: Awaited<ReturnType<typeof startAuthServer>>;
  let client: AuthClientService;
  let guard: AuthClientGuard;
  beforeEach(async () => {
    server = await startAuthServer();
    client = new AuthClientService({ baseUrl: server.url, cacheTtlMs: 5_000 });
    guard = new AuthClientGuard(new Reflector(), client, { baseUrl: server.url });
  });
  afterEach(() => {
    client.onModuleDestroy();
    server.stop();
  });

  it('passes a cached answer synchronously, without asking the server', async () => {
    const user = await client.validate('tok');
    const { req, context } = httpContext({ authorization: 'Bearer tok' });
    expect(guard.canActivate(context)).toBe(true);
    expect(req.user).toEqual(user);
    expect(server.checks()).toBe(1);
  });

  it('asks the server when nothing is cached, and sets the user once it answers', async () => {
    const { req, context } = httpContext({ authorization: 'Bearer tok' });
    const result = guard.canActivate(context);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe(true);
    expect(req.user).toMatchObject({ id: '7', email: 'ada@example.com', sessionId: 's-1' });
    expect(server.checks()).toBe(1);
  });

  it('refuses a request without a token with 401 invalid_token', () => {
    const { context } = httpContext({});
    let refusal: unknown;
    try {
      void guard.canActivate(context);
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(HttpException);
    expect((refusal as HttpException).getStatus()).toBe(401);
    expect((refusal as HttpException).getResponse()).toMatchObject({ code: 'invalid_token' });
    expect(server.checks()).toBe(0);
  });
});
