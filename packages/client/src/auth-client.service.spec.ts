import { HttpException } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthClientService } from './auth-client.service';

/** A stand-in auth server over real HTTP whose answer the test sets. */
class FakeAuthServer {
  requests = 0;
  status = 200;
  delayMs = 0;
  /** The session's aal in the answer; unset: an answer without one (a server before MFA). */
  aal?: 1 | 2;
  /** When set, answered instead of the usual body. */
  rawBody?: string;
  private server: Server = createServer((req, res) => {
    this.requests += 1;
    setTimeout(() => {
      res.writeHead(this.status, { 'content-type': 'application/json' });
      if (this.rawBody !== undefined) return res.end(this.rawBody);
      res.end(
        JSON.stringify(
          this.status === 200
            ? {
                id: 7,
                email: 'ada@example.com',
                role: 'admin',
                session: {
                  id: 's-1',
                  expires_at: new Date(Date.now() + 3600_000).toISOString(),
                  ...(this.aal ? { aal: this.aal } : {}),
                },
                seen_auth: req.headers.authorization,
              }
            : { statusCode: this.status, code: 'x' },
        ),
      );
    }, this.delayMs);
  });
  url = '';

  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  stop() {
    this.server.closeAllConnections();
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    return (e as HttpException).getStatus();
  }
}

describe('AuthClientService', () => {
  let server: FakeAuthServer;
  beforeEach(async () => {
    server = await new FakeAuthServer().start();
  });
  afterEach(() => server.stop());

  it('maps the answer to the request user', async () => {
    const client = new AuthClientService({ baseUrl: server.url });
    await expect(client.validate('tok')).resolves.toEqual({
      id: '7',
      email: 'ada@example.com',
      role: 'admin',
      sessionId: 's-1',
      aal: 1,
    });
  });

  it("exposes the session's aal, so a route can ask for a second factor", async () => {
    server.aal = 2;
    const client = new AuthClientService({ baseUrl: server.url });
    await expect(client.validate('tok')).resolves.toMatchObject({ aal: 2 });
  });

  it('asks the server every time when the cache is off (the default)', async () => {
    const client = new AuthClientService({ baseUrl: server.url });
    await client.validate('tok');
    await client.validate('tok');
    expect(server.requests).toBe(2);
  });

  it('hands out a cached answer without waiting, and nothing when the cache is off', async () => {
    const off = new AuthClientService({ baseUrl: server.url });
    await off.validate('tok');
    expect(off.cached('tok')).toBeUndefined();
    const on = new AuthClientService({ baseUrl: server.url, cacheTtlMs: 5_000 });
    expect(on.cached('tok')).toBeUndefined();
    const user = await on.validate('tok');
    expect(on.cached('tok')).toEqual(user);
    expect(on.cached('other')).toBeUndefined();
    off.onModuleDestroy();
    on.onModuleDestroy();
  });

  it('with a cache, keeps passing a revoked token until the entry expires', async () => {
    const client = new AuthClientService({ baseUrl: server.url, cacheTtlMs: 300 });
    await client.validate('tok');
    server.status = 401;
    expect(await statusOf(client.validate('tok'))).toBe(200);
    expect(server.requests).toBe(1);
    await new Promise((r) => setTimeout(r, 350));
    expect(await statusOf(client.validate('tok'))).toBe(401);
  });

  it('sends one request for concurrent checks of one token', async () => {
    const client = new AuthClientService({ baseUrl: server.url });
    server.delayMs = 50;
    const users = await Promise.all([1, 2, 3, 4, 5].map(() => client.validate('tok')));
    expect(server.requests).toBe(1);
    expect(new Set(users.map((u) => u.sessionId))).toEqual(new Set(['s-1']));
    await client.validate('other');
    expect(server.requests).toBe(2);
    client.onModuleDestroy();
  });

  it('keeps the answers the same over fetch and over the kept-alive agent', async () => {
    const viaFetch = new AuthClientService({ baseUrl: server.url, transport: 'fetch' });
    const viaAgent = new AuthClientService({ baseUrl: server.url });
    expect(await viaFetch.validate('tok')).toEqual(await viaAgent.validate('tok'));
    server.status = 401;
    expect(await statusOf(viaFetch.validate('tok'))).toBe(401);
    expect(await statusOf(viaAgent.validate('tok'))).toBe(401);
    viaAgent.onModuleDestroy();
  });

  it('answers 503 when the server errs, is too slow or is gone', async () => {
    const client = new AuthClientService({ baseUrl: server.url, timeoutMs: 200 });
    server.status = 500;
    expect(await statusOf(client.validate('tok'))).toBe(503);
    server.status = 200;
    server.delayMs = 500;
    expect(await statusOf(client.validate('tok'))).toBe(503);
    await server.stop();
    expect(await statusOf(client.validate('tok'))).toBe(503);
    server = await new FakeAuthServer().start();
  });

  it('answers 503, not 500, when a 200 answer cannot be read', async () => {
    for (const raw of ['{"id": 7, "email"', '{"id": 7}']) {
      server.rawBody = raw;
      const client = new AuthClientService({ baseUrl: server.url });
      expect(await statusOf(client.validate('tok'))).toBe(503);
    }
    server.rawBody = undefined;
  });

  it('refuses a bad base URL, a cache over ten seconds, over five minutes with a service key', () => {
    expect(() => new AuthClientService({ baseUrl: 'auth.example.com' })).toThrow(/baseUrl/);
    expect(() => new AuthClientService({ baseUrl: server.url, cacheTtlMs: 60_000 })).toThrow(
      /cacheTtlMs/,
    );
    const key = 'k'.repeat(32);
    expect(
      () => new AuthClientService({ baseUrl: server.url, serviceKey: key, cacheTtlMs: 301_000 }),
    ).toThrow(/cacheTtlMs/);
    expect(
      new AuthClientService({ baseUrl: server.url, serviceKey: key, cacheTtlMs: 300_000 })
        .cacheLive,
    ).toBe(false); // not before its stream is up
  });
});
