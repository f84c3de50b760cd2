// The client's cost per guarded request on a cache hit, in process, side by side with the same
// guard on a public route: what a cached check adds to a consumer's answer, without the load
// generator and the HTTP stack (whose ±10% between runs on 2 cores hide a microsecond).
// Needs the client package's build (npm run build). `node bench/client-hit.js`; BENCH_CLIENT
// names another build of the package to compare (an older one whose guard answers a promise).
require('reflect-metadata');
const http = require('node:http');
const { Reflector } = require('@nestjs/core');
const { AuthClientGuard, AuthClientService } = require(
  process.env.BENCH_CLIENT ?? '../packages/client/dist',
);

const N = Number(process.env.BENCH_CALLS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const body = JSON.stringify({
  id: 7,
  email: 'ada@example.com',
  role: 'user',
  session: { id: 's-1', expires_at: new Date(Date.now() + 3600_000).toISOString(), aal: 1 },
});
const server = http.createServer((_, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
});

/** Nanoseconds per call of `canActivate` on `context`, awaited only when it answers a promise. */
async function perCall(guard, context) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    let passed = guard.canActivate(context);
    if (passed !== true) passed = await passed;
    if (passed !== true) throw new Error('the guard refused');
  }
  return Number(process.hrtime.bigint() - start) / N;
}

server.listen(0, '127.0.0.1', async () => {
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  const client = new AuthClientService({ baseUrl, cacheTtlMs: 10_000 });
  const guard = new AuthClientGuard(new Reflector(), client, { baseUrl });
  const token = 'aVPMMdInoWnm5_3ipIGVK5TX5a8XXsGmQrNohMsoTzA';
  await client.validate(token); // the one request; every call below is a hit

  class Routes {
    open() {}
    guarded() {}
  }
  Reflect.defineMetadata('auth:public', true, Routes.prototype.open);
  const contextOf = (handler, headers) => {
    const req = { headers };
    return {
      getType: () => 'http',
      getHandler: () => handler,
      getClass: () => Routes,
      switchToHttp: () => ({ getRequest: () => req }),
    };
  };
  const open = contextOf(Routes.prototype.open, {});
  const guarded = contextOf(Routes.prototype.guarded, { authorization: `Bearer ${token}` });

  const runs = { open: [], guarded: [] };
  for (let r = 0; r < ROUNDS; r++) {
    runs.open.push(await perCall(guard, open));
    runs.guarded.push(await perCall(guard, guarded));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const o = median(runs.open);
  const g = median(runs.guarded);
  console.log(`node ${process.version}, ${N} calls x ${ROUNDS} interleaved rounds, medians:`);
  console.log(`  guard on a public route:       ${o.toFixed(0)} ns per request`);
  console.log(`  guard on a cache hit:          ${g.toFixed(0)} ns per request`);
  console.log(`  a cache hit adds ${((g - o) / 1000).toFixed(2)} µs to a request`);
  client.onModuleDestroy();
  server.close();
});
