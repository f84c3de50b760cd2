/**
 * Scale benchmark of the user list and the action history (not a test): run bench/seed-scale.ts first, then
 *
 *   npm run build && node -r ts-node/register/transpile-only bench/scale.ts
 *
 * It starts the server on port 3911 against the seeded database (the built dist/ when present),
 * signs in as the root from ADMIN_EMAIL/ADMIN_PASSWORD, and measures with autocannon the admin's
 * list shapes (goal: p97.5 < 50 ms for each): the default views of both lists (no
 * filter, every sort, deep pages), searches broad and narrow, filters, one user's history, one
 * action or one failure outcome over a month; then the export of 1,000,000 records, sampling the
 * server's RSS while it streams (and checking that it is complete).
 *
 * BENCH_BASELINE=<folder of another checkout, built>: that server too (port 3912, migrations not
 * run), measured shape by shape right before this one, in the same conditions, with the ratio.
 * Settings: BENCH_PG, BENCH_DB (as the seed), BENCH_DURATION (seconds per run, 15),
 * BENCH_CONNECTIONS (8), BENCH_ONLY (a regular expression: the titles of the shapes to run).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { benchUrl } from './bench-db';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => AutocannonRun;
interface AutocannonRun extends Promise<{ requests: { average: number }; non2xx: number }> {
  on(event: 'response', fn: (c: unknown, status: number, bytes: number, ms: number) => void): void;
}

const PORT = 3911;
const BASE = `http://127.0.0.1:${PORT}`;
const BASELINE_PORT = 3912;
const BASELINE = process.env.BENCH_BASELINE;
const ONLY = process.env.BENCH_ONLY;
const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const ROOT = { email: 'bench-root@example.com', password: 'bench root password, long enough' };
const DAY = 86_400_000;
const BENCH_KEY = randomBytes(32).toString('base64');

const root = join(__dirname, '..');

function startServer(dir: string, port: number, migrate: boolean): ChildProcess {
  const env = {
    ...process.env,
    DATABASE_URL: benchUrl(),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-scale-')),
    PORT: String(port),
    HOST: '127.0.0.1',
    MIGRATIONS_RUN: String(migrate),
    LOG_LEVEL: 'warn',
    ADMIN_EMAIL: ROOT.email,
    ADMIN_PASSWORD: ROOT.password,
    IP_RATE_LIMIT: '1000000',
    NODE_ENV: 'production',
    // Production requires one; the bench's secrets at rest are thrown away with its database.
    ENCRYPTION_KEY: process.env.ENCRYPTION_KEY ?? BENCH_KEY,
  };
  const built = join(dir, 'dist/src/main.js');
  const args = existsSync(built)
    ? [built]
    : ['-r', 'ts-node/register/transpile-only', 'src/main.ts'];
  const proc = spawn(process.execPath, args, {
    cwd: dir,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return proc;
}

async function request(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${path}`,
      { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

async function waitUntilUp(base: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await request(base, 'GET', '/health')).status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the server did not start');
}

async function authHeaders(base: string): Promise<Record<string, string>> {
  const res = await request(base, 'POST', '/login', {}, ROOT);
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.body}`);
  return { authorization: `Bearer ${(JSON.parse(res.body) as { token: string }).token}` };
}

const rss = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

interface Target {
  name: string;
  base: string;
  headers: Record<string, string>;
}

/** p50 and p97.5 of one shape on one server (autocannon reports p97.5 too). */
async function latency(target: Target, paths: string[]): Promise<{ p50: number; p975: number }> {
  const times: number[] = [];
  let next = 0;
  const run = autocannon({
    url: target.base,
    connections: CONNECTIONS,
    duration: DURATION,
    // A slow shape may take seconds per request (as on a baseline without the indexes): count
    // such requests, do not drop them.
    timeout: 120,
    headers: target.headers,
    requests: [{ setupRequest: (r: object) => ({ ...r, path: paths[next++ % paths.length] }) }],
  });
  run.on('response', (_c, _status, _bytes, ms) => times.push(ms));
  const result = await run;
  if (!times.length) throw new Error(`${target.name}: no answer within ${DURATION} s`);
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  const line =
    `  ${target.name}: ${times.length} requests, ${result.requests.average.toFixed(0)} req/s, ` +
    `p50 ${pct(0.5).toFixed(1)} ms, p97.5 ${pct(0.975).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms, ` +
    `non-2xx ${result.non2xx}`;
  process.stdout.write(`${line}\n`);
  if (result.non2xx) {
    const res = await request(target.base, 'GET', paths[0], target.headers);
    throw new Error(`${target.name} ${paths[0]}: ${res.status} ${res.body}`);
  }
  return { p50: pct(0.5), p975: pct(0.975) };
}

/** Measures one shape on each server in turn (the baseline first), in the same conditions. */
async function shape(title: string, paths: string[], targets: Target[]): Promise<void> {
  if (ONLY && !new RegExp(ONLY).test(title)) return;
  process.stdout.write(`${title} (load ${loadavg()[0].toFixed(2)})\n`);
  const results = [];
  for (const t of targets) results.push(await latency(t, paths));
  if (results.length === 2) {
    const [before, after] = results;
    process.stdout.write(
      `  baseline / this: p50 ${(before.p50 / after.p50).toFixed(1)}x, ` +
        `p97.5 ${(before.p975 / after.p975).toFixed(1)}x\n`,
    );
  }
}

async function exportRun(pid: number, headers: Record<string, string>, from: string) {
  // The export is never capped: it must stream every record the database holds for the filter.
  const db = new Client({ connectionString: benchUrl() });
  await db.connect();
  const [{ n: expected }] = (
    await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit_log WHERE at >= $1::timestamptz',
      [from],
    )
  ).rows;
  await db.end();
  const before = rss(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 100);
  const t0 = Date.now();
  const { lines, bytes } = await new Promise<{ lines: number; bytes: number }>(
    (resolve, reject) => {
      http
        .get(`${BASE}/users/actions/export?format=ndjson&from=${from}`, { headers }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`export: ${res.statusCode}`));
          let n = 0;
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            for (const b of c) if (b === 10) n++;
          });
          res.on('end', () => resolve({ lines: n, bytes: size }));
        })
        .on('error', reject);
    },
  );
  clearInterval(sampler);
  const s = (Date.now() - t0) / 1000;
  process.stdout.write(
    `export: ${lines} records, ${(bytes / 1e6).toFixed(0)} MB in ${s.toFixed(1)} s ` +
      `(${(lines / s).toFixed(0)} records/s); server RSS ${before.toFixed(0)} MB before, ` +
      `${peak.toFixed(0)} MB peak; ` +
      `${lines === expected ? 'complete' : `INCOMPLETE: the database holds ${expected}`}\n`,
  );
}

async function main(): Promise<void> {
  const server = startServer(root, PORT, true);
  let baseline: ChildProcess | undefined;
  try {
    await waitUntilUp(BASE);
    const targets: Target[] = [{ name: 'this', base: BASE, headers: await authHeaders(BASE) }];
    if (BASELINE) {
      // Started after this server has migrated the database; it runs no migrations of its own.
      baseline = startServer(BASELINE, BASELINE_PORT, false);
      const base = `http://127.0.0.1:${BASELINE_PORT}`;
      await waitUntilUp(base);
      targets.unshift({ name: 'baseline', base, headers: await authHeaders(base) });
    }
    const pages = (n: number, path: (p: number) => string) =>
      Array.from({ length: n }, (_, i) => path(i + 1));

    // The floor: an admin route that reads one row by its key. On a loaded machine its latency is
    // what the load alone adds to every shape below.
    await shape(
      'floor: GET /users/{id} (one row by primary key)',
      Array.from({ length: 500 }, () => `/users/${1 + Math.floor(Math.random() * 1_000_000)}`),
      targets,
    );

    // The default views: what an admin sees first, then pages further down.
    await shape(
      'users: no filter, default sort (-created_at), pages 1..20',
      pages(20, (p) => `/users/list?page=${p}`),
      targets,
    );
    await shape(
      'users: no filter, sort=email, pages 1..50, per_page=50',
      pages(50, (p) => `/users/list?sort=email&page=${p}&per_page=50`),
      targets,
    );
    await shape(
      'users: no filter, each of the 6 sorts, pages 1..3',
      ['created_at', '-created_at', 'email', '-email', 'last_login_at', '-last_login_at'].flatMap(
        (sort) => pages(3, (p) => `/users/list?sort=${sort}&page=${p}`),
      ),
      targets,
    );
    await shape(
      'users: is_confirmed=false (100,000 matches), pages 1..5',
      pages(5, (p) => `/users/list?is_confirmed=false&page=${p}`),
      targets,
    );
    await shape(
      'users: is_active=false (20,000 matches), sort=-last_login_at, pages 1..5',
      pages(5, (p) => `/users/list?is_active=false&sort=-last_login_at&page=${p}`),
      targets,
    );

    // Seeded names end in 5 hex characters of md5(n): 4 of them match about 1 in 60,000 users.
    const fragments = Array.from({ length: 300 }, () =>
      createHash('md5')
        .update(String(1 + Math.floor(Math.random() * 1_000_000)))
        .digest('hex')
        .slice(1, 5),
    );
    await shape(
      'users: search=<4 random characters>&is_active=true&sort=-created_at (~17 matches)',
      fragments.map((f) => `/users/list?search=${f}&is_active=true&sort=-created_at`),
      targets,
    );
    await shape(
      'users: search=<a surname>&role=user&sort=-last_login_at, pages 1..3 (100,000 matches)',
      ['turing', 'hopper', 'knuth', 'liskov'].flatMap((name) =>
        pages(3, (p) => `/users/list?search=${name}&role=user&sort=-last_login_at&page=${p}`),
      ),
      targets,
    );
    await shape(
      'users: search=<a first name>&sort=email, pages 1..3 (100,000 matches)',
      ['grace', 'linus', 'edsger', 'barbara'].flatMap((name) =>
        pages(3, (p) => `/users/list?search=${name}&sort=email&page=${p}`),
      ),
      targets,
    );

    await shape(
      'actions: no filter (the default view), pages 1..20',
      pages(20, (p) => `/users/actions?page=${p}`),
      targets,
    );

    const users = Array.from({ length: 500 }, () => 1 + Math.floor(Math.random() * 1_000_000));
    await shape(
      'actions: users=<one id> (actor or target)',
      users.map((u) => `/users/actions?users=${u}`),
      targets,
    );

    const months = Array.from({ length: 12 }, (_, i) => {
      const to = new Date(Date.now() - i * 30 * DAY);
      const from = new Date(to.getTime() - 30 * DAY);
      return { from: from.toISOString(), to: to.toISOString() };
    });
    const actions = ['login', 'user_update', 'password_reset'];
    await shape(
      'actions: actions=<one>&from=&to= (a month), pages 1..3',
      months.flatMap((m) =>
        actions.flatMap((a) =>
          pages(3, (p) => `/users/actions?actions=${a}&from=${m.from}&to=${m.to}&page=${p}`),
        ),
      ),
      targets,
    );
    await shape(
      'actions: outcome=invalid_credentials&from=&to= (a month)',
      months.map((m) => `/users/actions?outcome=invalid_credentials&from=${m.from}&to=${m.to}`),
      targets,
    );
    await shape(
      'deep pages: the last page a list allows (offset 9,990 of 10,000)',
      [
        '/users/list?page=667',
        '/users/list?sort=email&page=667',
        '/users/list?sort=-last_login_at&page=667',
        '/users/actions?page=667',
      ],
      targets,
    );

    // 10M records over 365 days: the last 36.5 days hold about 1,000,000.
    if (!ONLY) {
      await exportRun(
        server.pid!,
        targets[targets.length - 1].headers,
        new Date(Date.now() - 36.5 * DAY).toISOString(),
      );
    }
  } finally {
    baseline?.kill('SIGTERM');
    server.kill('SIGTERM');
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
