import { ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './support/eventually';
import { createUser, loginToken } from './support/factories';
import { freePort } from './support/free-port';
import { startApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const ISSUER = 'https://auth.example.test';
const PACKAGE = join(ROOT, 'packages', 'client');
const CONSUMER_SOURCE = join(__dirname, 'fixtures', 'consumer', 'main.ts');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const SERVICE_KEY = 'service-key-of-the-installed-consumer-01';
const SERVER_ONLY = [
  'typeorm',
  'pg',
  'bcrypt',
  '@nestjs-modules/mailer',
  'nodemailer',
  '@electric-sql/pglite',
];

interface ConsumerSpec {
  /** The Nest version the service pins, exactly, for @nestjs/common, core and platform-express. */
  nest: string;
  optionsVia: 'useClass' | 'useExisting';
  /** With the key the client follows the event stream and caches; without it, it asks every time. */
  serviceKey?: string;
  /**
   * TypeScript module settings: the classic CommonJS one, as many Nest 11 services still have it
   * (TypeScript 6, which compiles the consumers here, deprecates it: hence ignoreDeprecations), and
   * Node's own resolution (the exports map).
   */
  tsModule: { module: string; moduleResolution: string; ignoreDeprecations?: string };
}

const CONSUMERS: ConsumerSpec[] = [
  {
    nest: '11.2.10',
    optionsVia: 'useExisting',
    tsModule: { module: 'commonjs', moduleResolution: 'node', ignoreDeprecations: '6.0' },
  },
  {
    nest: '12.6.3',
    optionsVia: 'useClass',
    serviceKey: SERVICE_KEY,
    tsModule: { module: 'nodenext', moduleResolution: 'nodenext' },
  },
];

const run = promisify(execFile);
/** `npm`'s own cache (~/.npm unless npm_config_cache says otherwise) is reused across runs. */
const npm = (args: string[], cwd: string) =>
  run('npm', args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });

/** A Nest service of its own in a temp dir: the tarball and its pinned Nest from the registry. */
async function createConsumer(base: string, tarball: string, spec: ConsumerSpec) {
  const dir = join(base, `nest-${spec.nest.split('.')[0]}`);
  mkdirSync(join(dir, 'src'), { recursive: true });
  copyFileSync(CONSUMER_SOURCE, join(dir, 'src', 'main.ts'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: `consumer-nest-${spec.nest}`,
      private: true,
      dependencies: {
        '@nestjs/common': spec.nest,
        '@nestjs/core': spec.nest,
        '@nestjs/platform-express': spec.nest,
        'nest-email-auth-client': `file:${tarball}`,
        'reflect-metadata': '0.2.2',
        rxjs: '7.8.2',
      },
      devDependencies: { '@types/express': '5.0.6', '@types/node': '20.19.43' },
    }),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        ...spec.tsModule,
        target: 'ES2022',
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        // The package's declarations are checked against this Nest's, not skipped.
        skipLibCheck: false,
        types: ['node'],
        rootDir: 'src',
        outDir: 'dist',
      },
      include: ['src'],
    }),
  );
  const timings: Record<string, number> = {};
  let t0 = Date.now();
  await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir);
  timings.install = Date.now() - t0;
  t0 = Date.now();
  await run(process.execPath, [TSC, '-p', dir], { cwd: dir, encoding: 'utf8' }).catch(
    (e: { stdout?: string }) => {
      throw new Error(`tsc failed for Nest ${spec.nest}:\n${e.stdout}`);
    },
  );
  timings.tsc = Date.now() - t0;
  return { dir, timings };
}

/** Starts a compiled consumer; resolves once it listens. */
async function startConsumer(dir: string, env: Record<string, string>) {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(dir, 'dist', 'main.js')], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumer did not start:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (/consumer ready/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`consumer exited (${code}):\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    dir,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
    get: (path: string, token?: string) =>
      fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }),
  };
}

/**
 * The client as other services get it: `npm pack` of packages/client, installed from the tarball
 * into a Nest 11 service and a Nest 12 service (each pins its Nest and takes it from the registry),
 * compiled with tsc against what was installed, started, and put in front of a running server.
 */
describe('the nest-email-auth-client package, installed from its tarball', () => {
  let base: string;
  let packedFiles: string[];
  let t: TestApp;
  const consumers = new Map<string, Awaited<ReturnType<typeof startConsumer>>>();
  const timings: Record<string, unknown> = {};

  beforeAll(async () => {
    const started = Date.now();
    base = mkdtempSync(join(tmpdir(), 'client-pkg-'));
    // prepack builds the package.
    const { stdout } = await npm(['pack', '--json', '--pack-destination', base], PACKAGE);
    const packed = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    packedFiles = packed[0].files.map((f) => f.path);
    timings.pack = Date.now() - started;
    const tarball = join(base, packed[0].filename);

    // The two installs and the server's start overlap: most of the time is waiting on the registry.
    const [server, ...built] = await Promise.all([
      startApp({ SERVICE_KEYS: SERVICE_KEY, PUBLIC_URL: ISSUER }),
      ...CONSUMERS.map((spec) => createConsumer(base, tarball, spec)),
    ]);
    t = server;
    const authPort = await freePort();
    await t.app.listen(authPort, '127.0.0.1');
    await Promise.all(
      CONSUMERS.map(async (spec, i) => {
        timings[`nest ${spec.nest}`] = built[i].timings;
        const env: Record<string, string> = {
          AUTH_URL: `http://127.0.0.1:${authPort}`,
          OPTIONS_VIA: spec.optionsVia,
          // It verifies the server's JWTs too, with the jose the package depends on.
          JWT_ISSUER: ISSUER,
          JWT_AUDIENCE: ISSUER,
        };
        if (spec.serviceKey) env.SERVICE_KEY = spec.serviceKey;
        consumers.set(spec.nest, await startConsumer(built[i].dir, env));
      }),
    );
    timings.ready = Date.now() - started;
  }, 600_000);

  afterAll(async () => {
    await Promise.all([...consumers.values()].map((c) => c.stop()));
    await t?.destroy();
    if (base) rmSync(base, { recursive: true, force: true });
    // The wall time of this spec is mostly the installs: worth seeing when it grows.
    process.stdout.write(`client-package timings (ms): ${JSON.stringify(timings)}\n`);
  });

  it('packs the build, its declarations and the README, and no sources or specs', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'README.md', 'package.json']),
    );
    expect(packedFiles.some((f) => f.startsWith('src/') || f.endsWith('.spec.js'))).toBe(false);
  });

  describe.each(CONSUMERS)('in a Nest $nest service (forRootAsync $optionsVia)', (spec) => {
    const consumer = () => consumers.get(spec.nest)!;

    it('runs on the Nest it pinned, without TypeORM, pg, bcrypt or the mailer', async () => {
      expect(await (await consumer().get('/nest')).json()).toEqual({ version: spec.nest });
      for (const name of SERVER_ONLY) {
        expect(existsSync(join(consumer().dir, 'node_modules', name))).toBe(false);
      }
      expect(await (await consumer().get('/loaded')).json()).toEqual([]);
    });

    it('loads from ES modules too, through the exports map', async () => {
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import 'reflect-metadata';
           import { AuthClientModule, Public } from 'nest-email-auth-client';
           import manifest from 'nest-email-auth-client/package.json' with { type: 'json' };
           console.log(typeof AuthClientModule.forRootAsync, typeof Public, manifest.name);`,
        ],
        { cwd: consumer().dir, encoding: 'utf8' },
      );
      expect(stdout.trim()).toBe('function function nest-email-auth-client');
    });

    it('guards its routes: 401 without a token, 200 with one, 401 after logout', async () => {
      const cacheLive = async () =>
        ((await (await consumer().get('/cache')).json()) as { live: boolean }).live;
      // With a key it caches once its event stream is up; without one, never.
      if (spec.serviceKey) await eventually(cacheLive, 'the consumer to follow the event stream');
      else expect(await cacheLive()).toBe(false);

      const missing = await consumer().get('/me');
      expect(missing.status).toBe(401);
      expect(await missing.json()).toMatchObject({ statusCode: 401, code: 'invalid_token' });

      const user = await createUser(t);
      const token = await loginToken(t, user.email, user.password);
      const ok = await consumer().get('/me', token);
      expect(ok.status).toBe(200);
      const { jwt } = (
        await t.http.post('/token/jwt').set('Authorization', `Bearer ${token}`).expect(200)
      ).body as { jwt: string };
      const byJwt = await consumer().get('/me', jwt);
      expect(byJwt.status).toBe(200);
      expect(await byJwt.json()).toMatchObject({ id: String(user.id), email: user.email });
      expect(await ok.json()).toMatchObject({ id: String(user.id), email: user.email, aal: 1 });
      // A password-only session does not open a route that asks for a second factor.
      const vault = await consumer().get('/vault', token);
      expect(vault.status).toBe(403);
      expect(await vault.json()).toMatchObject({ code: 'mfa_required' });

      await t.http.post('/logout').set('Authorization', `Bearer ${token}`).expect(204);
      if (spec.serviceKey) {
        // Cached while its event stream is up: the logout reaches it as an event.
        expect(await cacheLive()).toBe(true);
        await eventually(
          async () => (await consumer().get('/me', token)).status === 401,
          'the logout to reach the consumer',
        );
        expect((await consumer().get('/me', jwt)).status).toBe(401);
      } else {
        // No cache without a service key: the very next check is refused.
        expect((await consumer().get('/me', token)).status).toBe(401);
        // A JWT, though, is good until it expires when no stream tells of the logout.
        expect((await consumer().get('/me', jwt)).status).toBe(200);
      }
    });
  });
});
