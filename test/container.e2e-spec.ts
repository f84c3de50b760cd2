import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { parseEnv as parseDotenv } from 'node:util';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import {
  composeEnvFiles,
  composeEnvironment,
  copyTree,
  dockerIgnored,
  execForm,
  interpolate,
  newestMtime,
  parseCopy,
  parseDockerfile,
  parseEnv,
  ROOT,
  Stage,
  stageProductionModules,
} from './support/container-image';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { createDatabase, dropDatabase } from './support/postgres';
import { SmtpSink } from './support/smtp-sink';

/**
 * The image without a Docker daemon: the files the Dockerfile's final stage copies, staged alone in
 * a temporary folder, start the server with the auth service's settings from docker-compose.yml
 * and the .env that the documented first step makes; only the hosts are this machine's (a fresh
 * database on this PostgreSQL server for `db`, an SMTP sink for `mail`, a free port). It runs with
 * the Node of the test run, not the image's (CI runs it on both lines).
 */

interface ComposeService {
  image?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: string | (string | { path: string; required?: boolean })[];
  ports?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition?: string; required?: boolean }>;
  stop_grace_period?: string;
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parseYaml(composeText) as { services: Record<string, ComposeService> };
const finalStage = dockerfile[dockerfile.length - 1];
const auth = compose.services.auth;

const PG_SERVER = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** Why PostgreSQL cannot be used here, or undefined when it can (probed once, synchronously). */
function postgresProblem(): string | undefined {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const c = new (require('pg').Client)({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
       c.connect().then(() => c.end()).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`,
      PG_SERVER,
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 10_000 },
  );
  if (probe.status === 0) return undefined;
  return (probe.stderr || probe.error?.message || 'no answer').trim();
}

const pgProblem = postgresProblem();
if (pgProblem) {
  // CI starts PostgreSQL (.ci/run), so there its absence is a failure, not a reason to skip.
  if (process.env.CI) throw new Error(`CI needs PostgreSQL at ${PG_SERVER}: ${pgProblem}`);
  process.stderr.write(
    `container.e2e-spec: skipping the staged server, PostgreSQL at ${PG_SERVER} is unreachable (${pgProblem})\n`,
  );
}

/** The first step the compose file gives (and README repeats): it makes .env with the key. */
function firstStep(): string {
  const m = /^#\s+(cp \.env\.example \.env\b.*)$/m.exec(composeText);
  if (!m)
    throw new Error(
      'docker-compose.yml does not say how to make .env (a "cp .env.example .env" line)',
    );
  return m[1];
}

/** Runs the first step in an empty project folder holding .env.example; answers .env's variables. */
function makeDotenv(dir: string): Record<string, string> {
  copyFileSync(join(ROOT, '.env.example'), join(dir, '.env.example'));
  const run = spawnSync('/bin/sh', ['-c', firstStep()], { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the first step failed: ${run.stderr}`);
  return parseDotenv(readFileSync(join(dir, '.env'), 'utf8')) as Record<string, string>;
}

describe('the container files', () => {
  it('pin every image to an exact version, and the Dockerfile names the Node it runs', () => {
    for (const stage of dockerfile) {
      expect(stage.image).toMatch(/^node:\d+\.\d+\.\d+-[a-z]+(-slim)?$/);
    }
    const major = /^node:(\d+)\./.exec(finalStage.image)![1];
    expect(new Set(dockerfile.map((s) => s.image)).size).toBe(1);
    const said = [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/\bNode (\d+)\b/g)];
    expect(said.map((m) => m[1])).toEqual(said.map(() => major));
    expect(said.length).toBeGreaterThan(0);

    for (const [name, service] of Object.entries(compose.services)) {
      if (!service.image) continue;
      // A version with at least major.minor: never latest, never a bare major that moves.
      expect({ name, image: service.image }).toEqual({
        name,
        image: expect.stringMatching(/^[\w./-]+:v?\d+\.\d+(\.\d+)?(-[\w.]+)?$/),
      });
    }
    expect(compose.services.db.image).toMatch(/^postgres:17\./);
  });

  it('keep the encryption key out of the repository: compose requires it from .env, which the first step makes', () => {
    const environment = composeEnvironment(auth.environment);
    // No key in the repository: without .env, compose stops instead of using a default.
    expect(() => interpolate(environment.ENCRYPTION_KEY, {})).toThrow(/ENCRYPTION_KEY/);
    expect(parseDotenv(readFileSync(join(ROOT, '.env.example'), 'utf8'))).toEqual({});

    const one = mkdtempSync(join(tmpdir(), 'compose-env-'));
    const two = mkdtempSync(join(tmpdir(), 'compose-env-'));
    try {
      const keys = [makeDotenv(one), makeDotenv(two)].map((env) =>
        interpolate(environment.ENCRYPTION_KEY, env),
      );
      // 32 random bytes, as the server wants them; a fresh key each time the step runs.
      expect(keys.map((k) => Buffer.from(k, 'base64').length)).toEqual([32, 32]);
      expect(keys[0]).not.toBe(keys[1]);
    } finally {
      rmSync(one, { recursive: true, force: true });
      rmSync(two, { recursive: true, force: true });
    }
  });

  it('offer Redis as a profile that the server does not need otherwise', () => {
    expect(compose.services.redis.profiles).toEqual(['redis']);
    expect(auth.depends_on?.redis).toMatchObject({ required: false });
    for (const [name, service] of Object.entries(compose.services)) {
      if (name !== 'redis') expect({ name, profiles: service.profiles }).toEqual({ name });
    }
  });
});

/** The build stage's /app: where each path came from in this checkout, and what its RUNs made. */
function buildStage(stage: Stage) {
  const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
  const copied = new Map<string, string>();
  let workdir = '/';
  let ran = 0;
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') workdir = posix.resolve(workdir, args);
    else if (keyword === 'COPY') {
      const copy = parseCopy(args);
      for (const source of copy.sources) {
        if (dockerIgnored(source, dockerignore))
          throw new Error(`.dockerignore keeps out ${source}`);
        const dest = posix.resolve(workdir, copy.dest);
        const into = copy.dest.endsWith('/') && !statSync(join(ROOT, source)).isDirectory();
        copied.set(into ? posix.join(dest, posix.basename(source)) : dest, source);
      }
    } else if (keyword === 'RUN') {
      // Each RUN the staging stands in for; another one needs teaching here first.
      const known = ['npm ci --no-audit --no-fund', 'npm run build && npm prune --omit=dev'];
      if (args !== known[ran]) throw new Error(`the test does not know what "RUN ${args}" makes`);
      ran++;
    }
  }
  if (ran !== 2) throw new Error('the build stage no longer builds and prunes as the test expects');
  return { workdir, copied };
}

/** Lays out the final stage under `rootfs`; answers its WORKDIR, ENV, CMD and health check. */
function stageFinal(rootfs: string) {
  const build = buildStage(dockerfile.find((s) => s.name === 'build')!);
  const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
  // What the build stage's RUNs leave in its WORKDIR, as this checkout has it.
  const made: Record<string, (to: string) => void> = {
    node_modules: (to) => void stageProductionModules(to),
    dist: (to) => copyTree(join(ROOT, 'dist'), to),
    'packages/client/dist': (to) => copyTree(join(ROOT, 'packages', 'client', 'dist'), to),
  };
  /** Where a path of the build stage comes from: a RUN's product, or a file it copied in. */
  const fromBuild = (path: string): string | ((to: string) => void) => {
    const product = made[posix.relative(build.workdir, path)];
    if (product) return product;
    for (const [dest, source] of build.copied) {
      if (path === dest || path.startsWith(`${dest}/`)) {
        return join(ROOT, source, posix.relative(dest, path));
      }
    }
    throw new Error(`the build stage has no ${path}`);
  };
  const fromContext = (path: string): string => {
    if (dockerIgnored(path, dockerignore)) throw new Error(`.dockerignore keeps out ${path}`);
    return join(ROOT, path);
  };

  let workdir = '/';
  let env: Record<string, string> = {};
  let cmd: string[] = [];
  let healthcheck = '';
  for (const { keyword, args } of finalStage.instructions) {
    if (keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, args);
      mkdirSync(join(rootfs, workdir), { recursive: true });
    } else if (keyword === 'ENV') env = { ...env, ...parseEnv(args) };
    else if (keyword === 'CMD') cmd = execForm(args);
    else if (keyword === 'HEALTHCHECK') healthcheck = args.replace(/^(--\S+\s+)*CMD\s+/, '');
    else if (keyword === 'RUN') {
      const m = /^mkdir -p (\S+) && chown node:node \1$/.exec(args);
      if (!m) throw new Error(`the test does not know what "RUN ${args}" makes`);
      mkdirSync(join(rootfs, m[1]), { recursive: true });
    } else if (keyword === 'COPY') {
      const copy = parseCopy(args);
      if (copy.from && copy.from !== 'build') throw new Error(`COPY --from=${copy.from}`);
      const dest = posix.resolve(workdir, copy.dest);
      for (const source of copy.sources) {
        const origin = copy.from
          ? fromBuild(posix.resolve(build.workdir, source))
          : fromContext(source);
        if (typeof origin === 'function') {
          origin(join(rootfs, dest));
          continue;
        }
        if (!existsSync(origin)) throw new Error(`COPY ${args}: ${origin} does not exist`);
        // A folder's contents go to dest; a file goes into dest when dest ends with a slash.
        const into = copy.dest.endsWith('/') && !statSync(origin).isDirectory();
        copyTree(origin, join(rootfs, into ? posix.join(dest, posix.basename(source)) : dest));
      }
    } else if (!['USER', 'EXPOSE'].includes(keyword)) {
      throw new Error(`the test does not know what ${keyword} does to the image`);
    }
  }
  return { workdir: join(rootfs, workdir), env, cmd, healthcheck };
}

/** `npm run build` unless dist is newer than every file the build stage compiles. */
function buildIfStale(): void {
  const products = [
    join(ROOT, 'dist', 'src', 'main.js'),
    join(ROOT, 'packages', 'client', 'dist', 'index.js'),
  ];
  const inputs = [...buildStage(dockerfile.find((s) => s.name === 'build')!).copied.values()];
  const built = Math.min(...products.map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0)));
  if (built > newestMtime(inputs.map((p) => join(ROOT, p)))) return;
  const run = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) throw new Error(`npm run build failed:\n${run.stdout}\n${run.stderr}`);
}

(pgProblem ? describe.skip : describe)('the image, staged without Docker', () => {
  let dir: string;
  let rootfs: string;
  let server: ChildProcess;
  let output = '';
  let exited: Promise<{ code: number | null; signal: string | null }>;
  let base: string;
  let env: Record<string, string>;
  let staged: ReturnType<typeof stageFinal>;
  let database: string;
  const sink = new SmtpSink();

  beforeAll(async () => {
    buildIfStale();
    dir = mkdtempSync(join(tmpdir(), 'image-'));
    rootfs = join(dir, 'rootfs');
    // Module lookups and the console's folder search walk up from the staged files: nothing above
    // them may stand in for what the image lacks.
    for (let d = dir; d !== dirname(d); d = dirname(d)) {
      for (const name of ['node_modules', 'package.json', 'admin', 'account', 'web-common']) {
        if (existsSync(join(dirname(d), name)))
          throw new Error(`${join(dirname(d), name)} is above the staging folder`);
      }
    }
    staged = stageFinal(rootfs);

    const project = join(dir, 'project');
    mkdirSync(project);
    const dotenv = makeDotenv(project);
    const fromFiles = Object.assign(
      {},
      ...composeEnvFiles(auth.env_file).map((f) => {
        const path = join(project, f.path);
        if (!existsSync(path) && !f.required) return {};
        return parseDotenv(readFileSync(path, 'utf8'));
      }),
    ) as Record<string, string>;
    const environment = Object.fromEntries(
      Object.entries(composeEnvironment(auth.environment)).map(([k, v]) => [
        k,
        interpolate(v, dotenv),
      ]),
    );
    env = { ...staged.env, ...fromFiles, ...environment };

    // The hosts of the compose network, mapped to this machine.
    const db = new URL(env.DATABASE_URL);
    const dbService = compose.services[db.hostname];
    const dbEnv = composeEnvironment(dbService?.environment);
    expect({
      image: dbService?.image,
      user: db.username,
      password: db.password,
      name: db.pathname.slice(1),
    }).toEqual({
      image: expect.stringMatching(/^postgres:/),
      user: dbEnv.POSTGRES_USER,
      password: dbEnv.POSTGRES_PASSWORD,
      name: dbEnv.POSTGRES_DB,
    });
    expect(auth.depends_on?.[db.hostname]).toEqual({ condition: 'service_healthy' });
    database = `image_${process.pid}_${Date.now().toString(36)}`;
    env.DATABASE_URL = await createDatabase(PG_SERVER, database);

    const smtp = new URL(env.SMTP_URL);
    expect({ image: compose.services[smtp.hostname]?.image, port: smtp.port }).toEqual({
      image: expect.stringMatching(/^axllent\/mailpit:/),
      port: '1025',
    });
    await sink.start();
    env.SMTP_URL = sink.url;

    // The published port must be the one the server listens on.
    expect(auth.ports?.map((p) => p.split(':').pop())).toEqual([env.PORT]);
    env.PORT = String(await freePort());
    env.HOST = '127.0.0.1';
    base = `http://127.0.0.1:${env.PORT}`;
    env.DATA_DIR = join(rootfs, env.DATA_DIR);
    expect(existsSync(env.DATA_DIR)).toBe(true);

    const [node, ...args] = staged.cmd;
    expect(node).toBe('node');
    server = spawn(process.execPath, args, {
      cwd: staged.workdir,
      env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    exited = new Promise((resolve) =>
      server.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await eventually(
      async () => {
        if (server.exitCode !== null)
          throw new Error(`the server stopped (${server.exitCode}):\n${output}`);
        const res = await fetch(`${base}/health/ready`).catch(() => undefined);
        return res?.status === 200;
      },
      `${base}/health/ready (output so far:\n${output})`,
      60_000,
    );
  }, 300_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited;
    }
    await sink.stop();
    if (database) await dropDatabase(PG_SERVER, database);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is healthy by the image's own health check", () => {
    const check = spawnSync('/bin/sh', ['-c', staged.healthcheck], {
      env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, PORT: env.PORT },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(check.status).toBe(0);
  });

  it('serves the admin console, the account page and the API docs from the staged files', async () => {
    for (const folder of ['admin', 'account']) {
      const page = await request(base).get(`/${folder}`).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toMatch(/<html lang="en"/);
      const script = await request(base).get(`/${folder}/assets/app.js`).expect(200);
      expect(script.text).toBe(readFileSync(join(ROOT, folder, 'app.js'), 'utf8'));
      await request(base).get(`/${folder}/assets/page.css`).expect(200);
    }
    // The QR code library comes from the image's node_modules.
    await request(base).get('/account/assets/qr.js').expect(200);
    await request(base).get('/docs/').expect(200);
  });

  it('renders mail templates: a sign-up reaches the SMTP server with its code', async () => {
    const email = `image.${process.pid}@example.com`;
    await request(base)
      .post('/register')
      .send({ email, password: 'purple elephants dance quietly' })
      .expect(202);
    await sink.waitFor(() => sink.to(email).length > 0);
    const [mail] = sink.to(email);
    expect(mail.subject).toBe('Confirm your email for Email Auth');
    expect(mail.text).toMatch(/^ {4}\d{6}$/m);
    expect(mail.html).toContain('<html');
    // The shipped list of common passwords is there too.
    const weak = await request(base)
      .post('/register')
      .send({ email: `weak.${email}`, password: '123456789012345' });
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('weak_password');
  });

  it('drains on SIGTERM and exits cleanly within the stop grace period', async () => {
    const grace = Number(/^(\d+)s$/.exec(auth.stop_grace_period ?? '10s')![1]) * 1000;
    const started = Date.now();
    server.kill('SIGTERM');
    await eventually(async () => (await fetch(`${base}/health/ready`)).status === 503, 'draining');
    // Nest re-raises the signal once its shutdown hooks are done: a clean stop, not a kill.
    expect([
      { code: 0, signal: null },
      { code: null, signal: 'SIGTERM' },
    ]).toContainEqual(await exited);
    expect(Date.now() - started).toBeLessThan(grace);
  }, 30_000);
});
