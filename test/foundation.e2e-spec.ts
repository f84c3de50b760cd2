import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { ApiConsumes } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Public } from '../src/common/decorators/public.decorator';
import { PinoLoggerService } from '../src/common/logging/logger';
import { User } from '../src/users/user.entity';
import { runEntry } from './support/run-server';
import { freePort } from './support/free-port';
import { startApp, TestApp } from './support/test-app';

class EchoDto {
  @IsEmail()
  email: string;

  @IsString()
  @MaxLength(10)
  name: string;
}

/** Test-only routes to exercise the shared mechanisms (validation, 415, 500) on the real app. */
@Public()
@Controller('test-only')
class ProbeController {
  @Post('echo')
  echo(@Body() body: EchoDto) {
    return body;
  }

  @Post('form')
  @ApiConsumes('application/x-www-form-urlencoded')
  form(@Body() body: EchoDto) {
    return body;
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret detail at /srv/app/file.ts: SELECT * FROM users');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

function expectErrorShape(body: Record<string, unknown>, status: number, code: string) {
  expect(body).toMatchObject({ statusCode: status, code });
  expect(typeof body.error).toBe('string');
  expect(body.message).toBeDefined();
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+|node_modules|stack/);
}

const embedded = !process.env.DATABASE_URL;

describe('the foundation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({}, undefined, [ProbeModule]);
  });
  afterAll(() => t.destroy());

  it('answers /health with the database status', async () => {
    const res = await t.http.get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up' });
  });

  it('serves the OpenAPI document and the Swagger UI', async () => {
    const doc = await t.http.get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.paths['/health']).toBeDefined();
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    const ui = await t.http.get('/docs').expect(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it("gives every request an id of its own, never the client's (kept beside it in the audit log)", async () => {
    const fresh = await t.http.get('/health');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await t.http.get('/health').set('X-Request-Id', 'abc-123');
    expect(given.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(given.headers['x-request-id']).not.toBe(fresh.headers['x-request-id']);
    const replaced = await t.http.get('/health').set('X-Request-Id', 'bad id\twith spaces');
    expect(replaced.headers['x-request-id']).not.toContain('bad');
  });

  it('sends the security headers and no X-Powered-By', async () => {
    const res = await t.http.get('/health');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('allows no cross-origin browser calls when CORS_ORIGINS is unset', async () => {
    const res = await t.http.get('/health').set('Origin', 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers an unknown route 404 in the error shape', async () => {
    const res = await t.http.get('/no/such/route').expect(404);
    expectErrorShape(res.body, 404, 'not_found');
  });

  it('answers malformed JSON 400', async () => {
    const res = await t.http
      .post('/test-only/echo')
      .set('Content-Type', 'application/json')
      .send('{"email": "a@b.c",')
      .expect(400);
    expectErrorShape(res.body, 400, 'invalid_json');
  });

  it('answers a body over 100 kB 413', async () => {
    const res = await t.http
      .post('/test-only/echo')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ email: 'a@b.c', name: 'x'.repeat(110 * 1024) }))
      .expect(413);
    expectErrorShape(res.body, 413, 'payload_too_large');
  });

  it('answers a body that is not JSON 415 where JSON is expected', async () => {
    const text = await t.http
      .post('/test-only/echo')
      .set('Content-Type', 'text/plain')
      .send('email=a@b.c')
      .expect(415);
    expectErrorShape(text.body, 415, 'unsupported_media_type');
    const form = await t.http
      .post('/test-only/echo')
      .type('form')
      .send({ email: 'a@b.c', name: 'x' });
    expect(form.status).toBe(415);
  });

  it('accepts a form where the route declares it', async () => {
    const res = await t.http
      .post('/test-only/form')
      .type('form')
      .send({ email: 'ada@example.com', name: 'Ada' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ email: 'ada@example.com', name: 'Ada' });
  });

  it('answers validation failures 400 validation_failed with the field messages', async () => {
    const res = await t.http
      .post('/test-only/echo')
      .send({ email: 'nope', name: 'x'.repeat(11), role: 'root' })
      .expect(400);
    expectErrorShape(res.body, 400, 'validation_failed');
    expect(res.body.message).toEqual(
      expect.arrayContaining([
        expect.stringContaining('email'),
        expect.stringContaining('name'),
        'property role should not exist',
      ]),
    );
  });

  it('answers an unexpected error 500 with a request id and nothing else, and logs it', async () => {
    const logged = jest.spyOn(t.app.get(PinoLoggerService), 'error');
    const res = await t.http.get('/test-only/boom').set('X-Request-Id', 'req-500').expect(500);
    const id = res.headers['x-request-id'];
    const line = logged.mock.calls.find(([entry]) => JSON.stringify(entry).includes(id));
    logged.mockRestore();
    expect(line?.[0]).toMatchObject({ request_id: id, err: expect.any(Error) });
    expect(id).not.toBe('req-500');
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      code: 'internal_error',
      message: 'Internal server error',
      request_id: id,
    });
  });

  it('keeps transactions apart when they run at the same time', async () => {
    const emails = Array.from({ length: 12 }, (_, i) => `tx${i}@example.com`);
    const results = await Promise.allSettled(
      emails.map((email, i) =>
        t.db.transaction(async (m) => {
          await m.getRepository(User).insert({ email });
          await new Promise((r) => setTimeout(r, 5));
          if (i % 2) throw new Error('roll this one back');
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(6);
    const kept = (await t.db.getRepository(User).find())
      .map((u) => u.email)
      .filter((e) => e.startsWith('tx'));
    expect(kept.sort()).toEqual(emails.filter((_, i) => i % 2 === 0).sort());
  });
});

describe('starting and stopping', () => {
  it('keeps data across a restart', async () => {
    const first = await startApp();
    await first.db.getRepository(User).insert({ email: 'survivor@example.com' });
    await first.close();
    const second = await startApp({}, { database: first.database, mail: first.mail });
    try {
      expect(
        await second.db.getRepository(User).findOneBy({ email: 'survivor@example.com' }),
      ).not.toBeNull();
    } finally {
      await second.close();
      await first.destroy();
    }
  });

  it('answers /health 503 when the database is gone', async () => {
    const t = await startApp();
    try {
      await t.db.destroy();
      const res = await t.http.get('/health').expect(503);
      expect(res.body).toEqual({ status: 'error', database: 'down' });
    } finally {
      await t.destroy().catch(() => undefined); // closing a destroyed data source may complain
    }
  });

  it('creates the root from ADMIN_EMAIL and ADMIN_PASSWORD once', async () => {
    const env = { ADMIN_EMAIL: 'Root@Example.com', ADMIN_PASSWORD: 'a long enough root password' };
    const t = await startApp(env);
    const roots = () => t.db.getRepository(User).findBy({ role: 'root' });
    try {
      expect(await roots()).toMatchObject([
        { email: 'root@example.com', isConfirmed: true, isActive: true },
      ]);
      await t.close();
      const again = await startApp({ ...env, ADMIN_EMAIL: 'other@example.com' }, t);
      expect(
        (await again.db.getRepository(User).findBy({ role: 'root' })).map((u) => u.email),
      ).toEqual(['root@example.com']);
      await again.close();
    } finally {
      await t.destroy();
    }
  });
});

// Each test here starts the server (or the CLI) as a process of its own: ts-node compiles the
// sources, and on the embedded database a fresh data folder is migrated. On a loaded 2-core CI
// machine two such starts took more than jest's minute.
const PROCESS_TEST_MS = 180_000;

describe('the server process', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auth-proc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  (embedded ? it : it.skip)(
    'starts with no settings on the embedded database and says where the docs are',
    async () => {
      const port = await freePort();
      // Only DATA_DIR (a temporary folder) and PORT (a free one) differ from the defaults.
      const run = await runEntry(
        'src/main.ts',
        { DATA_DIR: dir, PORT: String(port) },
        { until: /API docs:/, cwd: dir },
      );
      try {
        expect(run.stdout).toContain('/docs');
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: 'ok', database: 'up' });
      } finally {
        run.kill();
      }
    },
    PROCESS_TEST_MS,
  );

  (embedded ? it : it.skip)(
    'refuses a second process on the same data folder',
    async () => {
      const first = await runEntry(
        'src/main.ts',
        { DATA_DIR: dir, PORT: String(await freePort()) },
        { until: /API docs:/, cwd: dir },
      );
      try {
        const second = await runEntry(
          'src/main.ts',
          { DATA_DIR: dir, PORT: String(await freePort()) },
          { cwd: dir },
        );
        expect(second.code).toBe(1);
        expect(second.stderr).toMatch(/in use by process \d+/);
      } finally {
        first.kill();
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    'stops at start on a bad setting, naming the variable',
    async () => {
      const run = await runEntry(
        'src/main.ts',
        { DATA_DIR: dir, PORT: 'eighty', SESSION_TTL: '8 hours' },
        { cwd: dir },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('PORT="eighty": expected a whole number');
      expect(run.stderr).toContain('SESSION_TTL="8 hours": expected a duration');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    },
    PROCESS_TEST_MS,
  );

  it(
    'creates a root with the CLI',
    async () => {
      const t = await startApp();
      await t.close();
      try {
        const run = await runEntry(
          'src/cli.ts',
          { ...t.env, LOG_LEVEL: 'error', ADMIN_PASSWORD: 'a long enough root password' },
          { args: ['create-admin', '--email', 'cli-root@example.com'], cwd: dir },
        );
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout).toContain('Root user cli-root@example.com is ready');
        const again = await startApp({}, t);
        expect(
          await again.db.getRepository(User).findOneBy({ email: 'cli-root@example.com' }),
        ).toMatchObject({
          role: 'root',
          isConfirmed: true,
        });
        await again.close();
      } finally {
        await t.destroy();
      }
    },
    PROCESS_TEST_MS,
  );
});
