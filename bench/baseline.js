// The baseline of `npm run bench`: a minimal Nest app on platform-express with one route that
// returns a small JSON. Plain JavaScript (decorators applied by hand) so it needs no build.
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');

class PingController {
  ping() {
    return { status: 'ok', id: 1, email: 'ada@example.com', role: 'user' };
  }
}
Get('ping')(
  PingController.prototype,
  'ping',
  Object.getOwnPropertyDescriptor(PingController.prototype, 'ping'),
);
Controller()(PingController);

class BaselineModule {}
Module({ controllers: [PingController] })(BaselineModule);

async function main() {
  const app = await NestFactory.create(BaselineModule, { logger: false });
  await app.listen(Number(process.env.PORT ?? 3902), '127.0.0.1');
  process.stdout.write('baseline listening\n');
}
main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
