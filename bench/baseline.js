// The baseline of `npm run bench`: a minimal Nest app on platform-express with one route that
// returns a small JSON. Plain JavaScript (decorators applied by hand) so it needs no build.
// With DATABASE_URL, also GET /ping-db: the same answer after one PostgreSQL round trip through
// a `pg` pool, the least any token check that asks the database can cost.
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { Pool } = require('pg');

const pool = process.env.DATABASE_URL
  ? new Pool({ connectionString: process.env.DATABASE_URL, max: 10 })
  : undefined;

class PingController {
  ping() {
    return { status: 'ok', id: 1, email: 'ada@example.com', role: 'user' };
  }

  async pingDb() {
    const { rows } = await pool.query('SELECT 1 AS id, $1::text AS email', ['ada@example.com']);
    return { status: 'ok', id: rows[0].id, email: rows[0].email, role: 'user' };
  }
}
for (const [path, name] of [
  ['ping', 'ping'],
  ['ping-db', 'pingDb'],
]) {
  Get(path)(
    PingController.prototype,
    name,
    Object.getOwnPropertyDescriptor(PingController.prototype, name),
  );
}
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
