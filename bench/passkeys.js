// `node bench/passkeys.js` (after `npm run build`): passkey sign-ins per second beside password
// logins and beside GET /validate_token, in one run against one built server on PostgreSQL (not a
// test; see docs/development.md, Benchmarks). Needs PostgreSQL at BENCH_PG (default
// postgres://postgres@127.0.0.1:5432); creates a throwaway database and drops it at the end.
//
// Every passkey sign-in is two requests (POST /login/passkey/options, then POST /login/passkey
// with an assertion signed by the tests' software authenticator, P-256), so each row counts
// completed sign-ins (or checks), made by closed-loop workers: each sends its next one when the
// last one was answered.
require('ts-node/register/transpile-only');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir, loadavg } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const { DURATION, EMAIL, PASSWORD, start, stop, login, fmt } = require('./support');
const { SoftAuthenticator } = require('../test/support/soft-authenticator.ts');

const PG = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
const PORT = 3921;
const ORIGIN = `http://localhost:${PORT}`;
const COST = Number(process.env.BCRYPT_COST ?? 12);

async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** `workers` loops running `once` for `seconds`; completed operations per second and latencies. */
async function closedLoop(workers, seconds, once) {
  const latencies = [];
  let failures = 0;
  const until = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < until) {
        const t0 = performance.now();
        if (await once()) latencies.push(performance.now() - t0);
        else failures++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    rate: latencies.length / ((Date.now() - started) / 1000),
    p50: at(0.5),
    p99: at(0.99),
    failures,
  };
}

async function main() {
  const dbName = `bench_passkeys_${process.pid}`;
  const admin = new Client({ connectionString: `${PG}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-bench-'));
  let server;
  try {
    const load = loadavg()[0];
    server = await start(
      process.execPath,
      ['dist/src/main.js'],
      {
        NODE_ENV: 'production',
        PORT: String(PORT),
        HOST: '127.0.0.1',
        PUBLIC_URL: ORIGIN,
        DATABASE_URL: `${PG}/${dbName}`,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        BCRYPT_COST: String(COST),
        IP_RATE_LIMIT: '1000000',
        SECURITY_NOTICES: 'false',
        ADMIN_EMAIL: EMAIL,
        ADMIN_PASSWORD: PASSWORD,
        ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      },
      /Listening on/,
    );
    const base = `http://127.0.0.1:${PORT}`;
    const token = await login(base);
    const auth = { authorization: `Bearer ${token}` };

    // One passkey on the bench account; a synced one (counter stays 0), so parallel sign-ins with
    // the one credential do not race on its counter.
    const authenticator = new SoftAuthenticator({ origin: ORIGIN, counterStep: 0, backedUp: true });
    const opts = await post(`${base}/me/passkeys/options`, { password: PASSWORD }, auth);
    if (opts.status !== 200)
      throw new Error(`options: ${opts.status} ${JSON.stringify(opts.body)}`);
    const added = await post(
      `${base}/me/passkeys`,
      { challenge_id: opts.body.challenge_id, response: authenticator.create(opts.body.options) },
      auth,
    );
    if (added.status !== 201) throw new Error(`add: ${added.status} ${JSON.stringify(added.body)}`);

    const passkeySignIn = async () => {
      const o = await post(`${base}/login/passkey/options`);
      const r = await post(`${base}/login/passkey`, {
        challenge_id: o.body.challenge_id,
        response: authenticator.get(o.body.options),
      });
      return r.status === 200;
    };
    const passwordLogin = async () =>
      (await post(`${base}/login`, { email: EMAIL, password: PASSWORD })).status === 200;
    const validate = async () => (
      await fetch(`${base}/validate_token`, { headers: auth }).then((r) => r.text()),
      true
    );

    // Warm up (JIT, prepared statements).
    await closedLoop(8, 2, passkeySignIn);
    await closedLoop(8, 2, validate);

    const rows = [
      ['GET /validate_token (50 workers)', await closedLoop(50, DURATION, validate)],
      [
        'passkey sign-in: options + POST /login/passkey (8 workers)',
        await closedLoop(8, DURATION, passkeySignIn),
      ],
      ['passkey sign-in (50 workers)', await closedLoop(50, DURATION, passkeySignIn)],
      [
        `password POST /login, bcrypt cost ${COST} (8 workers)`,
        await closedLoop(8, DURATION, passwordLogin),
      ],
    ];
    console.log(`\nload average at start: ${load.toFixed(2)}; ${DURATION} s per row\n`);
    console.log('| what | per second | p50 ms | p99 ms | failures |');
    console.log('|---|---|---|---|---|');
    for (const [what, r] of rows) {
      console.log(
        `| ${what} | ${fmt(r.rate, 1)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.failures} |`,
      );
    }
    const pk = rows[2][1].rate;
    console.log(
      `\npasskey sign-ins are ${fmt(pk / rows[3][1].rate, 1)}× password logins and ` +
        `${fmt((100 * pk) / rows[0][1].rate, 1)}% of /validate_token checks`,
    );
  } finally {
    await stop(server);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
