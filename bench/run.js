// `npm run bench`: load figures for the hot path and for login (not a test; see docs/development.md, Benchmarks).
// Needs PostgreSQL at BENCH_PG (default postgres://postgres@127.0.0.1:5432) and a built server
// (the npm script builds first). Creates a throwaway database and drops it at the end.
const { createServer } = require('node:http');
const { createHmac } = require('node:crypto');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir, cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const bcrypt = require('bcrypt');
const { Client } = require('pg');
const {
  CONNECTIONS,
  DURATION,
  EMAIL,
  PASSWORD,
  start,
  stop,
  cannon,
  login,
  fmt,
} = require('./support');

const PG = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
const PORT = 3901;
const BASELINE_PORT = 3902;
const TRACED_PORT = 3903;
const SINK_PORT = 3904;
const SAMPLED_PORT = 3905;
const COST = Number(process.env.BCRYPT_COST ?? 12);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Raw bcrypt compares per second at COST, on libuv's thread pool (as the server runs them). */
async function rawBcryptRate(seconds) {
  const pre = createHmac('sha384', '').update(PASSWORD).digest('base64');
  const hash = await bcrypt.hash(pre, COST);
  const parallel = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  let done = 0;
  const until = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (Date.now() < until) {
        await bcrypt.compare(pre, hash);
        done++;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

async function main() {
  const dbName = `bench_${process.pid}`;
  const admin = new Client({ connectionString: `${PG}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-bench-'));
  let server;
  let baseline;
  let traced;
  let sampled;
  let sink;
  let sinkRequests = 0;
  const rows = [];
  try {
    const load = loadavg()[0];
    const serverEnv = {
      NODE_ENV: 'production',
      PORT: String(PORT),
      HOST: '127.0.0.1',
      DATABASE_URL: `${PG}/${dbName}`,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      BCRYPT_COST: String(COST),
      IP_RATE_LIMIT: '1000000',
      ADMIN_EMAIL: EMAIL,
      ADMIN_PASSWORD: PASSWORD,
      // Production refuses to start without one; a fixed key is fine for a throwaway database.
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    };
    server = await start(process.execPath, ['dist/src/main.js'], serverEnv, /Listening on/);
    // The same server with tracing on, exporting (OTLP/HTTP, protobuf, the default) to a sink in
    // this process that reads and drops every batch.
    sink = createServer((req, res) => {
      sinkRequests++;
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
    });
    await new Promise((resolve) => sink.listen(SINK_PORT, '127.0.0.1', resolve));
    traced = await start(
      process.execPath,
      ['dist/src/main.js'],
      {
        ...serverEnv,
        PORT: String(TRACED_PORT),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${SINK_PORT}`,
      },
      /Listening on/,
    );
    // And with one trace in ten kept (the standard sampler variables), as a busy instance would run.
    sampled = await start(
      process.execPath,
      ['dist/src/main.js'],
      {
        ...serverEnv,
        PORT: String(SAMPLED_PORT),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${SINK_PORT}`,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      },
      /Listening on/,
    );
    baseline = await start(
      process.execPath,
      ['bench/baseline.js'],
      { PORT: String(BASELINE_PORT) },
      /baseline listening/,
    );
    const base = `http://127.0.0.1:${PORT}`;
    const token = await login(base);
    const validate = {
      url: `${base}/validate_token`,
      headers: { authorization: `Bearer ${token}` },
    };
    const check = await fetch(validate.url, { headers: validate.headers });
    if (check.status !== 200) throw new Error(`validate_token: ${check.status}`);

    const tracedValidate = { ...validate, url: `http://127.0.0.1:${TRACED_PORT}/validate_token` };
    const sampledValidate = { ...validate, url: `http://127.0.0.1:${SAMPLED_PORT}/validate_token` };
    const tracedCheck = await fetch(tracedValidate.url, { headers: validate.headers });
    if (tracedCheck.status !== 200)
      throw new Error(`validate_token (traced): ${tracedCheck.status}`);

    // Warm them up (JIT, prepared statements on every pooled connection).
    await cannon({ ...validate, duration: 2 });
    await cannon({ ...tracedValidate, duration: 2 });
    await cannon({ ...sampledValidate, duration: 2 });
    await cannon({ url: `http://127.0.0.1:${BASELINE_PORT}/ping`, duration: 2 });

    const v = await cannon(validate);
    // Tracing off and on back to back, then the traced server is stopped (it flushes its spans).
    const t = await cannon(tracedValidate);
    await stop(traced);
    traced = undefined;
    const ts = await cannon(sampledValidate);
    await stop(sampled);
    sampled = undefined;
    const b = await cannon({ url: `http://127.0.0.1:${BASELINE_PORT}/ping` });
    await stop(baseline);
    baseline = undefined;

    // validate_token while four logins are always in flight.
    let logins = 0;
    let running = true;
    const loops = Array.from({ length: 4 }, async () => {
      while (running) {
        await login(base);
        logins++;
      }
    });
    const vl = await cannon(validate);
    running = false;
    await Promise.all(loops);

    // Login throughput against the machine's raw bcrypt rate (measured with the server idle).
    const raw = await rawBcryptRate(DURATION / 2);
    const l = await cannon({
      url: `${base}/login`,
      method: 'POST',
      connections: 8,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    });

    const rate = (r) => r.requests.average;
    rows.push([
      'baseline Nest app, GET /ping',
      fmt(rate(b)),
      `${b.latency.p50}`,
      `${b.latency.p99}`,
      '',
      '',
    ]);
    rows.push([
      'GET /validate_token',
      fmt(rate(v)),
      `${v.latency.p50}`,
      `${v.latency.p99}`,
      `${fmt((100 * rate(v)) / rate(b))}% of baseline`,
      `≥70%, p99 <10 ms: ${rate(v) >= 0.7 * rate(b) && v.latency.p99 < 10 ? 'met' : 'NOT met'}`,
    ]);
    rows.push([
      'GET /validate_token, tracing on (OTLP to a sink)',
      fmt(rate(t)),
      `${t.latency.p50}`,
      `${t.latency.p99}`,
      `${fmt((100 * rate(t)) / rate(v))}% of tracing off`,
      '',
    ]);
    rows.push([
      'GET /validate_token, tracing on, 1 in 10 sampled',
      fmt(rate(ts)),
      `${ts.latency.p50}`,
      `${ts.latency.p99}`,
      `${fmt((100 * rate(ts)) / rate(v))}% of tracing off`,
      '',
    ]);
    rows.push([
      'GET /validate_token + 4 logins in flight',
      fmt(rate(vl)),
      `${vl.latency.p50}`,
      `${vl.latency.p99}`,
      `${fmt((100 * rate(vl)) / rate(v))}% of alone (${fmt(logins / DURATION, 1)} logins/s)`,
      `≥50%: ${rate(vl) >= 0.5 * rate(v) ? 'met' : 'NOT met'}`,
    ]);
    rows.push([`raw bcrypt compare, cost ${COST}`, fmt(raw, 1), '', '', '', '']);
    rows.push([
      'POST /login (8 connections)',
      fmt(rate(l), 1),
      `${l.latency.p50}`,
      `${l.latency.p99}`,
      `${fmt((100 * rate(l)) / raw)}% of raw bcrypt`,
      `≥80%: ${rate(l) >= 0.8 * raw ? 'met' : 'NOT met'}`,
    ]);
    const errors = [v, t, ts, b, vl, l].reduce((n, r) => n + r.errors + r.non2xx, 0);

    const head = ['what', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'goal'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    console.log(
      `\n${cpus().length} cores (${cpus()[0].model}), load average before the run ${load.toFixed(2)}; ` +
        `${CONNECTIONS} connections, ${DURATION} s each, BCRYPT_COST=${COST}, PostgreSQL, node ${process.version}\n`,
    );
    console.log(line(head));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const r of rows) console.log(line(r));
    const by = Object.entries({
      validate: v,
      traced: t,
      sampled: ts,
      baseline: b,
      loaded: vl,
      login: l,
    })
      .map(
        ([k, r]) =>
          `${k} ${r.errors + r.non2xx}${r.non2xx ? ` (${Object.keys(r.statusCodeStats).join('/')})` : ''}`,
      )
      .join(', ');
    console.log(
      `\nerrors or non-2xx answers: ${errors} (${by}); trace exports received: ${sinkRequests}`,
    );
  } finally {
    await stop(baseline);
    await stop(traced);
    await stop(sampled);
    await stop(server);
    sink?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
