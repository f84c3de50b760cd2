import type { Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { copyEmbeddedTemplate } from './embedded-template';
import { createDatabase, dropDatabase } from './postgres';
import { SmtpSink } from './smtp-sink';

/** Settings every test app gets unless a test overrides them: fast bcrypt, quiet logs. */
const TEST_DEFAULTS: Record<string, string> = {
  BCRYPT_COST: '10',
  LOG_LEVEL: 'silent',
  IP_RATE_LIMIT: '100000',
};

/**
 * Where a test app keeps its data: a fresh embedded database in a temporary folder, or, when
 * DATABASE_URL is set (CI's second pass), a throwaway database on that PostgreSQL server.
 */
export class TestDatabase {
  private constructor(
    readonly env: Record<string, string>,
    private readonly cleanup: () => Promise<void>,
  ) {}

  /** `empty`: without the migrations (on the embedded database, not copied from the template). */
  static async create({ empty = false } = {}): Promise<TestDatabase> {
    const serverUrl = process.env.DATABASE_URL;
    if (!serverUrl) {
      const dir = mkdtempSync(join(tmpdir(), 'auth-test-'));
      if (!empty) await copyEmbeddedTemplate(dir);
      return new TestDatabase({ DATA_DIR: dir }, async () =>
        rmSync(dir, { recursive: true, force: true }),
      );
    }
    const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const url = await createDatabase(serverUrl, name);
    const dir = mkdtempSync(join(tmpdir(), 'auth-test-'));
    return new TestDatabase({ DATABASE_URL: url, DATA_DIR: dir }, async () => {
      await dropDatabase(serverUrl, name);
      rmSync(dir, { recursive: true, force: true });
    });
  }

  drop(): Promise<void> {
    return this.cleanup();
  }
}

export interface TestApp {
  app: NestExpressApplication;
  http: ReturnType<typeof request>;
  db: DataSource;
  mail: SmtpSink;
  env: Record<string, string>;
  database: TestDatabase;
  /** Closes the app (keeps the database, so a test can start another app on it). */
  close: () => Promise<void>;
  /** Closes the app, the SMTP sink and drops the database. */
  destroy: () => Promise<void>;
}

/** Runs `fn` with the given variables in process.env, restoring them afterwards. */
async function withEnv<T>(
  env: Record<string, string | undefined>,
  fn: () => Promise<T>,
): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Starts the real AppModule, configured as main.ts does, on the given (or a fresh) database. */
export async function startApp(
  overrides: Record<string, string | undefined> = {},
  existing?: { database: TestDatabase; mail: SmtpSink },
  /** Extra modules (test-only controllers) to load beside AppModule. */
  extraImports: Type[] = [],
): Promise<TestApp> {
  // An app told not to migrate at start wants a database its migrations have not touched.
  const database =
    existing?.database ??
    (await TestDatabase.create({ empty: overrides.MIGRATIONS_RUN === 'false' }));
  // Kept on the handle so a test can start a second app on the same database and mail sink.
  const mail = existing?.mail ?? (await new SmtpSink().start());
  const env = { ...TEST_DEFAULTS, SMTP_URL: mail.url, ...database.env, ...overrides } as Record<
    string,
    string
  >;
  const app = await withEnv(env, async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule, ...extraImports],
    }).compile();
    const nest = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
    configureApp(nest);
    await nest.init();
    return nest;
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
  };
  return {
    app,
    http: request(app.getHttpServer()),
    db: app.get(DataSource),
    mail,
    env,
    database,
    close,
    destroy: async () => {
      try {
        await close();
      } finally {
        if (!existing) {
          await mail.stop();
          await database.drop();
        }
      }
    },
  };
}
