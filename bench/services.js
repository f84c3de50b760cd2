// `npm run bench` (second part): the services' figures, each beside its baseline in one run.
//  - a consuming Nest service (bench/consumer.js): guarded route vs its public route, without a
//    cache (kept-alive agent, and Node's fetch), and with serviceKey + the event-driven cache;
//  - the same consumer verifying the server's JWTs itself (jwt + serviceKey): its guarded route vs
//    its public route; POST /token/jwt vs GET /validate_token on the server;
//  - revocation: POST /logout on instance B, until a consumer attached to instance A answers 401
//    (for a session token with the cache, and for a JWT);
//  - GET /validate_token on the embedded database vs PostgreSQL vs a Nest+express hello world.
// Needs PostgreSQL at BENCH_PG (default postgres://postgres@127.0.0.1:5432) and the build.
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir, cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const {
  CONNECTIONS,
  DURATION,
  EMAIL,
  PASSWORD,
  start: startCmd,
  stop,
  cannon,
  login,
  fmt,
} = require('./support');

/** CPU time (user + system) a process has used so far, in ms (Linux: /proc/<pid>/stat, 100 Hz). */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const start = (args, env, ready) => startCmd(process.execPath, args, env, ready);

const PG = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
const TRIALS = Number(process.env.BENCH_TRIALS ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const KEY = 'bench-service-key-0123456789abcdef0123456789';
const P = {
  a: 3911,
  b: 3912,
  embedded: 3913,
  baseline: 3914,
  plain: 3915,
  fetch: 3916,
  cached: 3917,
  jwt: 3918,
};

const url = (port, path) => `http://127.0.0.1:${port}${path}`;
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

async function main() {
  const dbName = `bench_services_${process.pid}`;
  const admin = new Client({ connectionString: `${PG}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'auth-bench-')));
  const children = [];
  const server = (port, env, dir) =>
    start(
      ['dist/src/main.js'],
      {
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dir,
        LOG_LEVEL: 'warn',
        BCRYPT_COST: '10',
        IP_RATE_LIMIT: '1000000',
        ADMIN_EMAIL: EMAIL,
        ADMIN_PASSWORD: PASSWORD,
        SERVICE_KEYS: KEY,
        ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
        ...env,
      },
      /Listening on/,
    ).then((c) => (children.push(c), c));
  const consumer = (port, env) =>
    start(
      ['bench/consumer.js'],
      { PORT: String(port), AUTH_URL: url(P.a, ''), ...env },
      /consumer listening/,
    ).then((c) => (children.push(c), c));
  try {
    const load = loadavg()[0];
    const pgUrl = `${PG}/${dbName}`;
    const pid = {};
    pid.a = (await server(P.a, { DATABASE_URL: pgUrl }, dirs[0])).pid;
    await server(P.b, { DATABASE_URL: pgUrl }, dirs[1]);
    pid.embedded = (await server(P.embedded, {}, dirs[2])).pid;
    children.push(
      await start(
        ['bench/baseline.js'],
        { PORT: String(P.baseline), DATABASE_URL: pgUrl },
        /baseline listening/,
      ),
    );
    pid.baseline = children[children.length - 1].pid;
    pid.plain = (await consumer(P.plain, {})).pid;
    pid.fetch = (await consumer(P.fetch, { TRANSPORT: 'fetch' })).pid;
    pid.cached = (await consumer(P.cached, { SERVICE_KEY: KEY, CACHE_TTL_MS: '300000' })).pid;

    const tokenA = await login(url(P.a, ''));
    const tokenE = await login(url(P.embedded, ''));
    const auth = (t) => ({ authorization: `Bearer ${t}` });
    const mint = async (token) => {
      const res = await fetch(url(P.a, '/token/jwt'), { method: 'POST', headers: auth(token) });
      if (res.status !== 200) throw new Error(`POST /token/jwt: ${res.status}`);
      return (await res.json()).jwt;
    };
    // The consumer is told the issuer and audience the server puts in its JWTs.
    const jwtA = await mint(tokenA);
    const claims = JSON.parse(Buffer.from(jwtA.split('.')[1], 'base64url').toString());
    pid.jwt = (
      await consumer(P.jwt, { SERVICE_KEY: KEY, JWT_ISSUER: claims.iss, JWT_AUDIENCE: claims.aud })
    ).pid;
    await new Promise((r) => setTimeout(r, 1100)); // JWTs minted from now on postdate its stream
    const jwtToken = await mint(tokenA);
    // Besides the rate, the CPU time the serving process spent per answer (Linux /proc): a cost
    // that does not depend on whether the load generator or the server is the bottleneck.
    const run = async (u, t, servedBy, method = 'GET') => {
      await cannon({ url: u, method, headers: t ? auth(t) : {}, duration: 2 }); // warm-up
      const cpu0 = cpuMs(servedBy);
      const x = await cannon({ url: u, method, headers: t ? auth(t) : {} });
      x.cpuUs = ((cpuMs(servedBy) - cpu0) * 1000) / x.requests.total;
      return x;
    };

    // Each group is measured BENCH_ROUNDS times, its members interleaved (A B C, A B C, ...), and
    // each keeps its median run by rate: a drift of the machine's load reaches all members alike.
    const r = {};
    const byRate = (x, y) => x.requests.average - y.requests.average;
    const group = async (members) => {
      const runs = {};
      for (let i = 0; i < ROUNDS; i++) {
        for (const [key, u, t, by, m] of members) (runs[key] ??= []).push(await run(u, t, by, m));
      }
      for (const key of Object.keys(runs)) r[key] = runs[key].sort(byRate)[(ROUNDS - 1) >> 1];
    };
    await group([
      ['basePing', url(P.baseline, '/ping'), undefined, pid.baseline],
      ['baseDb', url(P.baseline, '/ping-db'), undefined, pid.baseline],
      ['pgValidate', url(P.a, '/validate_token'), tokenA, pid.a],
      ['embValidate', url(P.embedded, '/validate_token'), tokenE, pid.embedded],
    ]);
    await group([
      ['public', url(P.plain, '/public'), undefined, pid.plain],
      ['plain', url(P.plain, '/guarded'), tokenA, pid.plain],
      ['fetch', url(P.fetch, '/guarded'), tokenA, pid.fetch],
      // The public routes get the same Authorization header as the guarded ones (ignored there):
      // the same bytes on the wire, so the ratio is the guard's own cost.
      ['cachedPublic', url(P.cached, '/public'), tokenA, pid.cached],
      ['cached', url(P.cached, '/guarded'), tokenA, pid.cached],
    ]);
    await group([
      ['jwtPublic', url(P.jwt, '/public'), jwtToken, pid.jwt],
      ['jwt', url(P.jwt, '/guarded'), jwtToken, pid.jwt],
      ['pgValidate2', url(P.a, '/validate_token'), tokenA, pid.a],
      ['mint', url(P.a, '/token/jwt'), tokenA, pid.a, 'POST'],
    ]);

    // Revocation: the consumers follow instance A's stream; the logout goes to instance B.
    const revocation = async (port, asJwt) => {
      const lat = [];
      for (let i = 0; i < TRIALS; i++) {
        const token = await login(url(P.b, ''));
        const shown = asJwt ? await mint(token) : token;
        for (let k = 0; k < 2; k++) {
          const res = await fetch(url(port, '/guarded'), { headers: auth(shown) });
          if (res.status !== 200) throw new Error(`warm-up: ${res.status}`);
        }
        const out = await fetch(url(P.b, '/logout'), { method: 'POST', headers: auth(token) });
        const t0 = performance.now();
        if (out.status !== 204) throw new Error(`logout: ${out.status}`);
        for (;;) {
          const res = await fetch(url(port, '/guarded'), { headers: auth(shown) });
          await res.arrayBuffer();
          if (res.status === 401) break;
          if (performance.now() - t0 > 5000) throw new Error('revocation not seen within 5 s');
        }
        lat.push(performance.now() - t0);
      }
      return lat.sort((x, y) => x - y);
    };
    const lat = await revocation(P.cached, false);
    const jwtLat = await revocation(P.jwt, true);

    const rate = (x) => x.requests.average;
    const row = (what, x, ratio, goal) => [
      what,
      fmt(rate(x)),
      `${x.latency.p50}`,
      `${x.latency.p99}`,
      fmt(x.cpuUs),
      ratio,
      goal,
    ];
    const ratio = (x, y) => rate(x) / rate(y);
    const met = (ok) => (ok ? 'met' : 'NOT met');
    const rows = [
      row('consumer GET /public (baseline)', r.public, '', ''),
      row(
        'consumer guarded, no cache (agent)',
        r.plain,
        `${fmt(ratio(r.plain, r.public), 2)}× public; by CPU ${fmt(r.public.cpuUs / r.plain.cpuUs, 2)}×`,
        `≥0.35×: ${met(ratio(r.plain, r.public) >= 0.35)}`,
      ),
      row(
        'consumer guarded, no cache (fetch)',
        r.fetch,
        `${fmt(ratio(r.fetch, r.public), 2)}× public; agent ${fmt(ratio(r.plain, r.fetch), 2)}× fetch`,
        '',
      ),
      row('consumer (serviceKey) GET /public', r.cachedPublic, '', ''),
      row(
        'consumer guarded, serviceKey + cache',
        r.cached,
        `${fmt(ratio(r.cached, r.cachedPublic), 2)}× public; by CPU ${fmt(r.cachedPublic.cpuUs / r.cached.cpuUs, 2)}×`,
        `≥0.9×: ${met(ratio(r.cached, r.cachedPublic) >= 0.9)}`,
      ),
      row('consumer (jwt + serviceKey) GET /public', r.jwtPublic, '', ''),
      row(
        'consumer guarded, JWT verified locally',
        r.jwt,
        `${fmt(ratio(r.jwt, r.jwtPublic), 2)}× public; by CPU ${fmt(r.jwtPublic.cpuUs / r.jwt.cpuUs, 2)}×`,
        `≥0.9×: ${met(ratio(r.jwt, r.jwtPublic) >= 0.9)}`,
      ),
      row('GET /validate_token, PostgreSQL (beside minting)', r.pgValidate2, '', ''),
      row(
        'POST /token/jwt, PostgreSQL',
        r.mint,
        `${fmt(ratio(r.mint, r.pgValidate2), 2)}× /validate_token`,
        `≥0.5×: ${met(ratio(r.mint, r.pgValidate2) >= 0.5)}`,
      ),
      row('Nest+express hello world GET /ping', r.basePing, '', ''),
      row(
        'hello world + one query GET /ping-db',
        r.baseDb,
        `${fmt(ratio(r.baseDb, r.basePing), 2)}× hello world`,
        '',
      ),
      row(
        'GET /validate_token, PostgreSQL',
        r.pgValidate,
        `${fmt(ratio(r.pgValidate, r.basePing), 2)}× hello world; ${fmt(ratio(r.pgValidate, r.baseDb), 2)}× one query`,
        `≥0.8×: ${met(ratio(r.pgValidate, r.basePing) >= 0.8)}`,
      ),
      row(
        'GET /validate_token, embedded',
        r.embValidate,
        `${fmt(ratio(r.embValidate, r.pgValidate), 2)}× PostgreSQL mode; p99 ${fmt(r.embValidate.latency.p99 / r.basePing.latency.p99, 1)}× hello world`,
        `≥1× and p99 ≤2×: ${met(ratio(r.embValidate, r.pgValidate) >= 1 && r.embValidate.latency.p99 <= 2 * r.basePing.latency.p99)}`,
      ),
    ];
    const errors = Object.values(r).reduce((n, x) => n + x.errors + x.non2xx, 0);
    const head = ['what', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'ratio', 'goal'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
    const line = (x) => `| ${x.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    console.log(
      `\n${cpus().length} cores (${cpus()[0].model}), load average before the run ${load.toFixed(2)}; ` +
        `${CONNECTIONS} connections, ${DURATION} s each, median of ${ROUNDS} interleaved rounds, node ${process.version}\n`,
    );
    console.log(line(head));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const x of rows) console.log(line(x));
    console.log(
      `\nrevocation, POST /logout on instance B until the consumer of instance A answers 401, ` +
        `${TRIALS} trials: p50 ${fmt(pct(lat, 50), 1)} ms, p99 ${fmt(pct(lat, 99), 1)} ms, ` +
        `max ${fmt(lat[lat.length - 1], 1)} ms (goal p99 < 100 ms: ${met(pct(lat, 99) < 100)})`,
    );
    console.log(
      `revocation of a JWT, the same way with the consumer that verifies JWTs, ${TRIALS} trials: ` +
        `p50 ${fmt(pct(jwtLat, 50), 1)} ms, p99 ${fmt(pct(jwtLat, 99), 1)} ms, ` +
        `max ${fmt(jwtLat[jwtLat.length - 1], 1)} ms (goal p99 < 1000 ms: ${met(pct(jwtLat, 99) < 1000)})`,
    );
    console.log(`errors or non-2xx answers: ${errors}`);
  } finally {
    for (const c of children.reverse()) await stop(c);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
