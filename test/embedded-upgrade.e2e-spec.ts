import { Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { databaseConfig, DatabaseConfig } from '../src/config/config';
import { dataSourceOptions } from '../src/database/data-source';
import { DatabaseModule } from '../src/database/database.module';
import { CURRENT_ENGINE, PREVIOUS_ENGINE } from '../src/database/embedded-driver';
import { cli } from './support/cli';
import { bearer, createUser, loginToken } from './support/factories';
import { runEntry } from './support/run-server';
import { SmtpSink } from './support/smtp-sink';
import type { TestApp } from './support/test-app';

/** The app's database module as the previous release had it: the same data source on PGlite 0.3. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (db: DatabaseConfig) => ({
        ...dataSourceOptions(db, PREVIOUS_ENGINE),
        autoLoadEntities: true,
        retryAttempts: 0,
      }),
    }),
  ],
})
class PreviousReleaseDatabaseModule {}

const count = async (db: DataSource, sql: string): Promise<number> =>
  Number((await db.query(sql))[0].n);

// The embedded database only, whatever DATABASE_URL says: that is what is being upgraded.
describe('embedded-upgrade: a data folder of the previous release (PGlite 0.3, PostgreSQL 17)', () => {
  let dataDir: string;
  let mail: SmtpSink;
  let env: Record<string, string>;
  const saved: Record<string, string | undefined> = {};

  /** Starts the real AppModule on DATA_DIR, on the previous release's PGlite or this one's. */
  const boot = async (previous: boolean): Promise<TestApp> => {
    let builder = Test.createTestingModule({ imports: [AppModule] });
    if (previous)
      builder = builder.overrideModule(DatabaseModule).useModule(PreviousReleaseDatabaseModule);
    const moduleRef = await builder.compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
    configureApp(app);
    await app.init();
    return {
      app,
      http: request(app.getHttpServer()),
      db: app.get(DataSource),
      env,
      close: () => app.close(),
    } as unknown as TestApp;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'auth-upgrade-'));
    mail = await new SmtpSink().start();
    env = { BCRYPT_COST: '10', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SMTP_URL: mail.url };
    for (const k of [...Object.keys(env), 'DATABASE_URL']) saved[k] = process.env[k];
    delete process.env.DATABASE_URL;
    Object.assign(process.env, env);
  });

  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await mail.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is refused at start by name, then moved by the command with every record, and goes on', async () => {
    const db = join(dataDir, 'db');

    // The previous release: migrations, users, sessions and audit records, written by the app.
    const old = await boot(true);
    const users = [await createUser(old), await createUser(old), await createUser(old)];
    const tokens = [];
    for (const u of users) tokens.push(await loginToken(old, u.email));
    await old.http.post('/login').send({ email: users[0].email, password: 'not it' }).expect(401);
    const before = {
      users: await count(old.db, 'SELECT count(*) AS n FROM users'),
      sessions: await count(old.db, 'SELECT count(*) AS n FROM sessions'),
      audit: await count(old.db, 'SELECT count(*) AS n FROM audit_log'),
      auditMax: await count(old.db, 'SELECT max(id) AS n FROM audit_log'),
      migrations: await count(old.db, 'SELECT count(*) AS n FROM migrations'),
    };
    expect(before.audit).toBeGreaterThanOrEqual(4);
    await old.close();
    expect(readFileSync(join(db, 'PG_VERSION'), 'utf8').trim()).toBe(PREVIOUS_ENGINE.major);

    // This release will not open it, says which command moves it, and leaves it untouched.
    await expect(boot(false)).rejects.toThrow(
      /written by PostgreSQL 17.*`npm run cli -- embedded-upgrade`/s,
    );
    expect(readFileSync(join(db, 'PG_VERSION'), 'utf8').trim()).toBe(PREVIOUS_ENGINE.major);

    const run = await runEntry('src/cli.ts', env, {
      args: ['embedded-upgrade'],
      timeoutMs: 240_000,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`The old folder is kept as ${db}.pg17`);
    expect(readFileSync(join(db, 'PG_VERSION'), 'utf8').trim()).toBe(CURRENT_ENGINE.major);
    expect(readFileSync(join(`${db}.pg17`, 'PG_VERSION'), 'utf8').trim()).toBe('17');
    expect(existsSync(`${db}.upgrading`)).toBe(false);

    const t = await boot(false);
    try {
      expect({
        users: await count(t.db, 'SELECT count(*) AS n FROM users'),
        sessions: await count(t.db, 'SELECT count(*) AS n FROM sessions'),
        audit: await count(t.db, 'SELECT count(*) AS n FROM audit_log'),
        auditMax: await count(t.db, 'SELECT max(id) AS n FROM audit_log'),
        migrations: await count(t.db, 'SELECT count(*) AS n FROM migrations'),
      }).toEqual(before);
      // Sessions made before still work, and every user logs in with the same password.
      for (const token of tokens) await t.http.get('/me').set(bearer(token)).expect(200);
      for (const u of users) await loginToken(t, u.email, u.password);
      const verified = await cli(t, 'audit-verify');
      expect(verified).toMatchObject({ code: 0, stderr: '' });
      // New rows take new ids: the sequences came along.
      await createUser(t);
      expect(await count(t.db, 'SELECT max(id) AS n FROM audit_log')).toBeGreaterThan(
        before.auditMax,
      );
      expect(await count(t.db, 'SELECT count(*) AS n FROM users')).toBe(before.users + 1);
      // The audit log is still append-only: its trigger came along.
      await expect(t.db.query('DELETE FROM audit_log')).rejects.toThrow();
      expect((await cli(t, 'audit-verify')).code).toBe(0);
    } finally {
      await t.close();
    }

    // Run again, it has nothing to do and changes nothing.
    const again = await runEntry('src/cli.ts', env, {
      args: ['embedded-upgrade'],
      timeoutMs: 120_000,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to upgrade');
    expect(existsSync(`${db}.pg17-2`)).toBe(false);
  }, 600_000);
});
