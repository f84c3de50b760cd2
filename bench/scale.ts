/**
 * Scale benchmark of the user list and the action history (not a test): run bench/seed-scale.ts first, then
 *
 *   npm run build && node -r ts-node/register/transpile-only bench/scale.ts
 *
 * It starts the server on port 3911 against the seeded database (the built dist/ when present),
 * signs in as the root from ADMIN_EMAIL/ADMIN_PASSWORD, and measures with autocannon:
 *   - GET /users/list with a search, a filter and a sort: a selective search (random 4-character
 *     fragments) and a surname shared by 100,000 users                      goal p95 < 50 ms
 *   - GET /users/actions filtered by one user (random users)               goal p95 < 100 ms
 *   - GET /users/actions filtered by one action over one month (12 months) goal p95 < 100 ms
 *   - GET /users/actions filtered by a failure outcome over one month
 *   - GET /users/actions/export of 1,000,000 records, sampling the server's RSS while it streams.
 * Settings: BENCH_PG, BENCH_DB (as the seed), BENCH_DURATION (seconds per run, 15),
 * BENCH_CONNECTIONS (8).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchUrl } from './bench-db';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => AutocannonRun;
interface AutocannonRun extends Promise<{ requests: { average: number }; non2xx: number }> {
  on(event: 'response', fn: (c: unknown, status: number, bytes: number, ms: number) => void): void;
}

const PORT = 3911;
const BASE = `http://127.0.0.1:${PORT}`;
const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const ROOT = { email: 'bench-root@example.com', password: 'bench root password, long enough' };
const DAY = 86_400_000;

const root = join(__dirname, '..');

function startServer(): ChildProcess {
  const env = {
    ...process.env,
    DATABASE_URL: benchUrl(),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-scale-')),
    PORT: String(PORT),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ADMIN_EMAIL: ROOT.email,
    ADMIN_PASSWORD: ROOT.password,
    IP_RATE_LIMIT: '1000000',
    NODE_ENV: 'production',
  };
  const built = join(root, 'dist/src/main.js');
  const args = existsSync(built)
    ? [built]
    : ['-r', 'ts-node/register/transpile-only', 'src/main.ts'];
  const proc = spawn(process.execPath, args, {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return proc;
}

async function request(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${BASE}${path}`,
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

async function waitUntilUp(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await request('GET', '/health')).status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the server did not start');
}

async function authHeaders(): Promise<Record<string, string>> {
  const res = await request('POST', '/login', {}, ROOT);
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.body}`);
  return { authorization: `Bearer ${(JSON.parse(res.body) as { token: string }).token}` };
}

const rss = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function latency(title: string, paths: string[], headers: Record<string, string>) {
  const times: number[] = [];
  let next = 0;
  const run = autocannon({
    url: BASE,
    connections: CONNECTIONS,
    duration: DURATION,
    headers,
    requests: [{ setupRequest: (r: object) => ({ ...r, path: paths[next++ % paths.length] }) }],
  });
  run.on('response', (_c, _status, _bytes, ms) => times.push(ms));
  const result = await run;
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  const line =
    `${title}: ${times.length} requests, ${result.requests.average.toFixed(0)} req/s, ` +
    `p50 ${pct(0.5).toFixed(1)} ms, p95 ${pct(0.95).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms, ` +
    `non-2xx ${result.non2xx}`;
  process.stdout.write(`${line}\n`);
}

async function exportRun(pid: number, headers: Record<string, string>, from: string) {
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
      `${peak.toFixed(0)} MB peak\n`,
  );
}

async function main(): Promise<void> {
  const server = startServer();
  try {
    await waitUntilUp();
    const headers = await authHeaders();

    // Seeded names end in 5 hex characters of md5(n): 4 of them match about 1 in 60,000 users.
    const fragments = Array.from({ length: 300 }, () =>
      createHash('md5')
        .update(String(1 + Math.floor(Math.random() * 1_000_000)))
        .digest('hex')
        .slice(1, 5),
    );
    await latency(
      'users: search, a filter and a sort (selective search)',
      fragments.map((f) => `/users/list?search=${f}&is_active=true&sort=-created_at`),
      headers,
    );
    await latency(
      'users: search, a filter and a sort (a surname: 100,000 matches)',
      ['turing', 'hopper', 'knuth', 'liskov'].flatMap((name) =>
        [1, 2, 3].map((p) => `/users/list?search=${name}&role=user&sort=-last_login_at&page=${p}`),
      ),
      headers,
    );

    const users = Array.from({ length: 500 }, () => 1 + Math.floor(Math.random() * 1_000_000));
    await latency(
      'one user (actor or target)',
      users.map((u) => `/users/actions?users=${u}`),
      headers,
    );

    const months = Array.from({ length: 12 }, (_, i) => {
      const to = new Date(Date.now() - i * 30 * DAY);
      const from = new Date(to.getTime() - 30 * DAY);
      return { from: from.toISOString(), to: to.toISOString() };
    });
    const actions = ['login', 'user_update', 'password_reset'];
    await latency(
      'one action over a month',
      months.flatMap((m) =>
        actions.flatMap((a) =>
          [1, 2, 3].map((p) => `/users/actions?actions=${a}&from=${m.from}&to=${m.to}&page=${p}`),
        ),
      ),
      headers,
    );

    await latency(
      'one failure outcome over a month',
      months.map((m) => `/users/actions?outcome=invalid_credentials&from=${m.from}&to=${m.to}`),
      headers,
    );

    // 10M records over 365 days: the last 36.5 days hold about 1,000,000.
    await exportRun(server.pid!, headers, new Date(Date.now() - 36.5 * DAY).toISOString());
  } finally {
    server.kill('SIGTERM');
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
