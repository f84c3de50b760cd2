/**
 * Seeds a throwaway PostgreSQL database for the scale benchmark (bench/scale.ts): the schema from
 * our migrations, then 1,000,000 users and 10,000,000 audit records spread over the past year,
 * generated in SQL (generate_series), with the secondary indexes built after the load.
 *
 *   node -r ts-node/register/transpile-only bench/seed-scale.ts
 *
 * Settings: BENCH_PG (server, default postgres://postgres@127.0.0.1:5432), BENCH_DB (bench_scale),
 * BENCH_USERS (1000000), BENCH_RECORDS (10000000). The database is dropped and created again.
 */
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source';
import { BENCH_DB as DB, BENCH_SERVER as SERVER, benchUrl } from './bench-db';

const USERS = Number(process.env.BENCH_USERS ?? 1_000_000);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000_000);
const BATCH = 1_000_000;

const ACTIONS = [
  'login',
  'login',
  'login',
  'login',
  'logout',
  'register',
  'email_confirm',
  'password_forgot',
  'password_reset',
  'password_change',
  'session_revoke',
  'logout_all',
  'user_update',
  'user_add',
  'user_block',
  'user_unblock',
  'access_denied',
  'audit_export',
];

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const result = await fn();
  process.stdout.write(`${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return result;
}

async function main(): Promise<void> {
  const admin = new Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();

  const ds = new DataSource(
    dataSourceOptions({ url: benchUrl(), dataDir: '', migrationsRun: false, poolSize: 1 }),
  );
  await ds.initialize();
  await timed('migrations', () => ds.runMigrations());
  await ds.destroy();

  const db = new Client({ connectionString: benchUrl() });
  await db.connect();
  await db.query(`SET maintenance_work_mem = '512MB'`);
  await db.query(`SET synchronous_commit = off`);

  // Loading into unindexed tables and indexing afterwards is several times faster.
  const indexes: { indexname: string; indexdef: string }[] = (
    await db.query(
      `SELECT indexname, indexdef FROM pg_indexes
       WHERE tablename IN ('users', 'audit_log') AND indexname NOT LIKE '%\\_pkey'`,
    )
  ).rows;
  for (const { indexname } of indexes) await db.query(`DROP INDEX ${indexname}`);

  await timed(`${USERS} users`, () =>
    db.query(
      `INSERT INTO users (email, name, surname, role, is_active, is_confirmed, created_at,
         updated_at, last_login_at)
       SELECT 'user' || g || '@example.com',
              (ARRAY['Ada','Alan','Grace','Linus','Barbara','Donald','Edsger','Ken','Dennis',
                     'Margaret'])[1 + g % 10] || ' ' || substr(md5(g::text), 1, 5),
              (ARRAY['Lovelace','Turing','Hopper','Torvalds','Liskov','Knuth','Dijkstra',
                     'Thompson','Ritchie','Hamilton'])[1 + (g / 10) % 10],
              CASE WHEN g % 1000 = 0 THEN 'admin' ELSE 'user' END,
              g % 50 <> 0, g % 10 <> 0,
              ts, ts, CASE WHEN g % 3 = 0 THEN NULL ELSE ts + random() * interval '30 days' END
       FROM (SELECT g, now() - interval '3 years' + (g::float8 / $1) * interval '3 years' AS ts
             FROM generate_series(1, $1::int) AS g) s`,
      [USERS],
    ),
  );

  // Loaded without the hash chain (AuditHashChain): a row trigger per record would make the load
  // several times slower, and the list benchmarks do not read the hash. This database's chain
  // does not verify; a real one is chained as it is written. Every record still needs a hash
  // (AuditChainGuard): a placeholder stands in.
  await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain');
  for (let start = 1; start <= RECORDS; start += BATCH) {
    const end = Math.min(RECORDS, start + BATCH - 1);
    await timed(`audit records ${start}..${end}`, () =>
      db.query(
        `INSERT INTO audit_log (at, action, outcome, actor_id, actor_email, target_id,
           target_email, ip, user_agent, request_id, details, hash)
         SELECT at, action, CASE WHEN random() < 0.85 THEN 'success' ELSE 'invalid_credentials' END,
                CASE WHEN anonymous THEN NULL ELSE actor END,
                CASE WHEN anonymous THEN NULL ELSE 'user' || actor || '@example.com' END,
                target, 'user' || target || '@example.com',
                '10.' || (g % 250) || '.' || (g / 250 % 250) || '.7', 'Mozilla/5.0 (bench)',
                'req-' || g,
                CASE WHEN action = 'user_update' THEN '{"changed": ["name"]}'::jsonb
                     ELSE '{}'::jsonb END,
                '\\x00'::bytea
         FROM (SELECT g,
                      now() - interval '365 days' + (g::float8 / $3) * interval '365 days' AS at,
                      ($4::text[])[1 + floor(random() * $5)::int] AS action,
                      random() < 0.2 AS anonymous,
                      1 + floor(random() * $6)::bigint AS actor,
                      1 + floor(random() * $6)::bigint AS target
               FROM generate_series($1::int, $2::int) AS g) s`,
        [start, end, RECORDS, ACTIONS, ACTIONS.length, USERS],
      ),
    );
  }

  await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_chain');
  // Ids of chained records follow the head: it moves past the loaded ones.
  await db.query('ALTER TABLE audit_chain_head DISABLE TRIGGER USER');
  await db.query('UPDATE audit_chain_head SET last_id = (SELECT max(id) FROM audit_log)');
  await db.query('ALTER TABLE audit_chain_head ENABLE TRIGGER USER');

  for (const { indexname, indexdef } of indexes) {
    await timed(`index ${indexname}`, () => db.query(indexdef));
  }
  await timed('vacuum analyze', () => db.query('VACUUM ANALYZE users, audit_log'));
  await db.end();
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
