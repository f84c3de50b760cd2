// A consuming service for bench/services.js: a minimal Nest app with a public route and a route
// guarded by the client package (packages/client/dist, built by `npm run build`). Plain
// JavaScript with decorators applied by hand, like bench/baseline.js. Settings from the
// environment: PORT, AUTH_URL, SERVICE_KEY, CACHE_TTL_MS, TRANSPORT (agent | fetch), JWT_ISSUER
// and JWT_AUDIENCE (the consumer then verifies the server's JWTs itself).
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { AuthClientModule, AuthClientService, Public } = require('../packages/client/dist');

class ReportsController {
  constructor(client) {
    this.client = client;
  }
  open() {
    return { status: 'ok', id: 1, email: 'ada@example.com', role: 'user' };
  }
  guarded() {
    return { status: 'ok', id: 1, email: 'ada@example.com', role: 'user' };
  }
  cache() {
    return { live: this.client.cacheLive };
  }
}
const method = (name) => Object.getOwnPropertyDescriptor(ReportsController.prototype, name);
for (const [name, path, open] of [
  ['open', 'public', true],
  ['guarded', 'guarded', false],
  ['cache', 'cache', true],
]) {
  Get(path)(ReportsController.prototype, name, method(name));
  if (open) Public()(ReportsController.prototype, name, method(name));
}
Reflect.defineMetadata('design:paramtypes', [AuthClientService], ReportsController);
Controller()(ReportsController);

class ConsumerModule {}
Module({
  imports: [
    AuthClientModule.forRoot({
      baseUrl: process.env.AUTH_URL,
      serviceKey: process.env.SERVICE_KEY || undefined,
      cacheTtlMs: process.env.CACHE_TTL_MS ? Number(process.env.CACHE_TTL_MS) : undefined,
      transport: process.env.TRANSPORT === 'fetch' ? 'fetch' : 'agent',
      jwt: process.env.JWT_ISSUER
        ? { issuer: process.env.JWT_ISSUER, audience: process.env.JWT_AUDIENCE }
        : undefined,
    }),
  ],
  controllers: [ReportsController],
})(ConsumerModule);

async function main() {
  const app = await NestFactory.create(ConsumerModule, { logger: false });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  process.stdout.write('consumer listening\n');
}
main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
