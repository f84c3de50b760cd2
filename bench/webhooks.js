// `npm run bench:webhooks`: webhook delivery figures, each beside its baseline in the same run.
//  1. 1,000 events fanned out to 3 endpoints on 127.0.0.1 (3,000 deliveries), queued while the
//     receiver is down, then released at once: deliveries per second until the last one arrived,
//     beside a plain loop of as many HTTP POSTs (same body size, same concurrency: 3 endpoints × 8
//     attempts in flight, kept-alive connections) to the same receiver.
//  2. Commit to first attempt: 300 profile changes, one every 20 ms, while /validate_token is
//     loaded; from sending the change's request (an upper bound of its commit) to the receiver
//     getting the first attempt; p50, p99, max.
//  3. GET /validate_token alone, and while deliveries of a large backlog run. Alone is measured
//     right before the backlog is released and again once it has drained, and the figure under
//     deliveries is set against the mean of the two: on a shared machine the rate drifts by tens
//     of per cent within a minute, and one measurement on one side would take that drift for an
//     effect.
// PostgreSQL at BENCH_PG (default postgres://postgres@127.0.0.1:5432), and the build.
const http = require('node:http');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir, cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const { EMAIL, PASSWORD, start, stop, cannon, login, fmt } = require('./support');

const PG = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
const PORT = 3931;
const SINK_PORT = 3932;
const EVENTS = 1000;
const ENDPOINTS = 3;
const PER_ENDPOINT = 8;

const base = `http://127.0.0.1:${PORT}`;
const sinkUrl = (path = '') => `http://127.0.0.1:${SINK_PORT}${path}`;
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(method, path, token, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

const stats = async () => (await fetch(sinkUrl('/stats'))).json();
const resetStats = () => fetch(sinkUrl('/stats'), { method: 'DELETE' });

async function untilPosts(n, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await stats();
    if (s.posts >= n) return s;
    if (Date.now() > until) throw new Error(`only ${s.posts} of ${n} deliveries arrived`);
    await sleep(20);
  }
}

/** The baseline: `total` POSTs of `body` by `concurrency` loops on kept-alive connections. */
async function plainLoop(total, concurrency, body) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let left = total;
  const post = () =>
    new Promise((resolve, reject) => {
      const req = http.request(sinkUrl('/plain'), {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      });
      req.on('response', (res) => res.resume().on('end', resolve));
      req.on('error', reject);
      req.end(body);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await post();
    }),
  );
  const s = (performance.now() - t0) / 1000;
  agent.destroy();
  return total / s;
}

async function main() {
  const dbName = `bench_webhooks_${process.pid}`;
  const admin = new Client({ connectionString: `${PG}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const db = new Client({ connectionString: `${PG}/${dbName}` });
  const dir = mkdtempSync(join(tmpdir(), 'auth-bench-'));
  const children = [];
  let sink;
  const startSink = async () => {
    sink = await start(
      process.execPath,
      ['bench/webhook-sink.js'],
      { PORT: String(SINK_PORT) },
      /sink listening/,
    );
  };
  try {
    const load = loadavg()[0];
    children.push(
      await start(
        process.execPath,
        ['dist/src/main.js'],
        {
          NODE_ENV: 'production',
          PORT: String(PORT),
          HOST: '127.0.0.1',
          DATA_DIR: dir,
          DATABASE_URL: `${PG}/${dbName}`,
          LOG_LEVEL: 'warn',
          BCRYPT_COST: '10',
          IP_RATE_LIMIT: '1000000',
          ADMIN_EMAIL: EMAIL,
          ADMIN_PASSWORD: PASSWORD,
          ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
          WEBHOOK_ALLOW_HTTP: 'true',
          WEBHOOK_ALLOW_PRIVATE: 'true',
          // A failed attempt waits long enough for the bench to release the backlog itself.
          WEBHOOK_RETRY_SCHEDULE: '10m',
        },
        /Listening on/,
      ),
    );
    await db.connect();
    const token = await login(base);
    for (let i = 0; i < ENDPOINTS; i++) {
      await api('POST', '/webhooks', token, { url: sinkUrl(`/e${i}`), events: ['user.updated'] });
    }

    // 1. The backlog: the receiver is down, each delivery fails its first attempt and waits.
    const produce = async (n, prefix, concurrency = 8) => {
      let i = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (i < n) await api('PUT', '/me', token, { name: `${prefix}-${i++}` });
        }),
      );
    };
    const backlog = async (n, prefix) => {
      await produce(n, prefix);
      for (;;) {
        const [{ waiting }] = (
          await db.query(
            `SELECT count(*)::int AS waiting FROM webhook_deliveries
              WHERE status = 'pending' AND attempts >= 1 AND lease_until IS NULL`,
          )
        ).rows;
        if (waiting >= n * ENDPOINTS) return;
        await sleep(50);
      }
    };
    await backlog(EVENTS, 'backlog');
    await startSink();
    await resetStats();
    const released = Date.now();
    await db.query(
      `UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'`,
    );
    const done = await untilPosts(EVENTS * ENDPOINTS);
    // From the first arrival: the instance finds released work at its next poll (≤ 300 ms).
    const deliveryRate = (EVENTS * ENDPOINTS - 1) / ((done.last - done.firstAt) / 1000);
    const releasedRate = (EVENTS * ENDPOINTS) / ((done.last - released) / 1000);
    const [{ payload }] = (await db.query('SELECT payload FROM webhook_events LIMIT 1')).rows;
    const plainRate = await plainLoop(
      EVENTS * ENDPOINTS,
      ENDPOINTS * PER_ENDPOINT,
      Buffer.from(payload),
    );

    // /validate_token, warmed up (its rate alone is measured around the backlog's drain, in 3).
    const validate = {
      url: `${base}/validate_token`,
      headers: { authorization: `Bearer ${token}` },
    };
    await cannon({ ...validate, duration: 2 });

    // 2. Commit to first attempt, with /validate_token loaded.
    await resetStats();
    const sent = new Map();
    const loaded = cannon(validate);
    await sleep(1000);
    for (let i = 0; i < 300; i++) {
      sent.set(`p99-${i}`, Date.now());
      await api('PUT', '/me', token, { name: `p99-${i}` });
      await sleep(20);
    }
    await loaded;
    const seen = await untilPosts(300 * ENDPOINTS);
    const lat = seen.first
      .filter((f) => sent.has(f.name))
      .map((f) => f.at - sent.get(f.name))
      .sort((x, y) => x - y);

    // 3. /validate_token while a backlog of deliveries drains, and alone before and after.
    await stop(sink);
    await backlog(3000, 'busy');
    await startSink();
    await resetStats();
    const before = await cannon(validate);
    await db.query(
      `UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'`,
    );
    const during = await cannon(validate);
    const drained = await stats();
    await untilPosts(3000 * ENDPOINTS);
    const after = await cannon(validate);
    const around = (before.requests.average + after.requests.average) / 2;

    const rows = [
      [
        'webhook deliveries/s (1,000 events × 3 endpoints)',
        fmt(deliveryRate),
        `${fmt(deliveryRate / plainRate, 2)}× plain`,
        `≥0.5×: ${deliveryRate / plainRate >= 0.5 ? 'met' : 'NOT met'}`,
      ],
      [
        '  the same, counted from the release (poll included)',
        fmt(releasedRate),
        `${fmt(releasedRate / plainRate, 2)}× plain`,
        '',
      ],
      ['plain loop of HTTP POSTs/s (24 at a time)', fmt(plainRate), '', ''],
      [
        `commit → first attempt, ${lat.length} attempts (ms)`,
        `p50 ${pct(lat, 50)}, p99 ${pct(lat, 99)}, max ${lat[lat.length - 1]}`,
        '',
        `p99 < 1000 ms: ${pct(lat, 99) < 1000 ? 'met' : 'NOT met'}`,
      ],
      [
        'GET /validate_token/s alone, before and after the deliveries below',
        `${fmt(before.requests.average)}, ${fmt(after.requests.average)}`,
        '',
        '',
      ],
      [
        `GET /validate_token/s while ${fmt(drained.posts)} deliveries ran`,
        fmt(during.requests.average),
        `${fmt(during.requests.average / around, 2)}× alone (the mean of before and after)`,
        `≥0.8×: ${during.requests.average / around >= 0.8 ? 'met' : 'NOT met'}`,
      ],
    ];
    console.log(`\nWebhooks: ${cpus().length} cores, load ${fmt(load, 2)} at start, PostgreSQL\n`);
    console.log('| measure | figure | against | goal |\n|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } finally {
    await stop(sink);
    for (const c of children.reverse()) await stop(c);
    await db.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
