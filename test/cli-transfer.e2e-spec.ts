import * as bcrypt from 'bcrypt';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { User } from '../src/users/user.entity';
import { cli } from './support/cli';
import { createUser, uniqueEmail } from './support/factories';
import { runEntry } from './support/run-server';
import { startApp, TestApp } from './support/test-app';

const onPostgres = !!process.env.DATABASE_URL;
const PASSWORD = 'an imported password of decent length';

describe('CLI: import-users and export-users', () => {
  let t: TestApp;
  let dir: string;
  let hash: string;
  beforeAll(async () => {
    t = await startApp();
    dir = mkdtempSync(join(tmpdir(), 'auth-cli-'));
    hash = await bcrypt.hash(PASSWORD, 10);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.destroy();
  });

  const file = (name: string, lines: unknown[]) => {
    const path = join(dir, name);
    writeFileSync(
      path,
      lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n',
    );
    return path;
  };
  const exists = async (email: string) =>
    (await t.db.getRepository(User).countBy({ email: email.toLowerCase() })) > 0;

  it('reports every bad line with its number and imports nothing', async () => {
    const good = uniqueEmail('good');
    const path = file('bad.ndjson', [
      { email: good, name: 'Ada' },
      '{"email": "broken@example.com",',
      '',
      { email: uniqueEmail(), role: 'superuser' },
      { email: uniqueEmail(), password_hash: 'plain text' },
      { email: good.toUpperCase() },
      { email: uniqueEmail(), is_admin: true },
    ]);
    const r = await cli(t, 'import-users', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 2: not valid JSON');
    expect(r.stderr).toMatch(/line 4: role/);
    expect(r.stderr).toMatch(/line 5: password_hash/);
    expect(r.stderr).toMatch(/line 6: email: the same address as line 1/);
    expect(r.stderr).toMatch(/line 7: unknown field "is_admin"/);
    expect(r.stderr).not.toMatch(/line [13]:/);
    expect(r.stderr).toContain('nothing was imported');
    expect(await exists(good)).toBe(false);
  });

  it('imports bcrypt hashes that log in (and are upgraded), with a dry run and re-runs that skip', async () => {
    const a = uniqueEmail('imp');
    const b = uniqueEmail('imp');
    const path = file('good.ndjson', [
      {
        email: a.toUpperCase(),
        name: 'Grace',
        role: 'admin',
        is_confirmed: true,
        password_hash: hash,
        created_at: '2020-05-01T10:00:00Z',
      },
      { email: b, locale: 'ru' },
    ]);
    const dry = await cli(t, 'import-users', path, '--dry-run');
    expect(dry).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Dry run: would import 2 users; 0 already there'),
    });
    expect(await exists(a)).toBe(false);

    const run = await cli(t, 'import-users', path);
    expect(run).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Imported 2 users; 0 already there'),
    });
    const user = await t.db.getRepository(User).findOneByOrFail({ email: a });
    expect(user).toMatchObject({ name: 'Grace', role: 'admin', isConfirmed: true, locale: 'en' });
    expect(user.createdAt.toISOString()).toBe('2020-05-01T10:00:00.000Z');
    expect((await t.db.getRepository(User).findOneByOrFail({ email: b })).locale).toBe('ru');

    await t.http.post('/login').send({ email: a, password: PASSWORD }).expect(200);
    const [{ password_hash }] = await t.db.query(
      'SELECT password_hash FROM users WHERE email = $1',
      [a],
    );
    expect(password_hash).toMatch(/^\$pb1\$/);
    await t.http.post('/login').send({ email: a, password: PASSWORD }).expect(200);

    const again = await cli(t, 'import-users', path);
    expect(again.stdout).toContain('Imported 0 users; 2 already there (skipped)');
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'users_import'`,
    );
    expect(n).toBe(2);
  });

  it('exports users as NDJSON in the import shape, hashes only with --with-hashes', async () => {
    const u = await createUser(t, { name: 'Export Me' });
    const plain = await cli(t, 'export-users');
    expect(plain.code).toBe(0);
    const lines = plain.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const mine = lines.find((l) => l.email === u.email);
    expect(mine).toEqual({
      email: u.email,
      name: 'Export Me',
      surname: null,
      role: 'user',
      is_confirmed: true,
      locale: 'en',
      created_at: expect.stringMatching(/Z$/),
    });
    expect(plain.stdout).not.toContain('$pb1$');

    const out = join(dir, 'export.ndjson');
    await cli(t, 'export-users', '--with-hashes', '--out', out);
    const withHashes = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(withHashes.find((l) => l.email === u.email).password_hash).toMatch(/^\$pb1\$/);

    // What export writes, import reads: into a fresh database, where the password still works.
    const other = await startApp();
    try {
      const r = await cli(other, 'import-users', out);
      expect(r.code).toBe(0);
      await other.http.post('/login').send({ email: u.email, password: u.password }).expect(200);
    } finally {
      await other.destroy();
    }
  });

  it('runs as a command of npm run cli', async () => {
    const u = await createUser(t);
    await t.close(); // the embedded database takes one process at a time
    const r = await runEntry('src/cli.ts', t.env, { args: ['export-users'], timeoutMs: 170_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`"email":"${u.email}"`);
    expect(r.stderr).toMatch(/Exported \d+ users/);
  }, 180_000);
});

(onPostgres ? describe : describe.skip)('CLI: import-fastapi (PostgreSQL)', () => {
  let t: TestApp;
  let originalUrl: string;
  let originalName: string;
  let hash: string;

  beforeAll(async () => {
    t = await startApp();
    hash = await bcrypt.hash(PASSWORD, 10);
    // The original server's tables, as its SQLAlchemy models create them.
    originalName = `fastapi_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${originalName}`);
    await admin.end();
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${originalName}`;
    originalUrl = url.toString();
    const db = new Client({ connectionString: originalUrl });
    await db.connect();
    await db.query(`
      CREATE TYPE role AS ENUM ('ROOT', 'ADMIN', 'USER');
      CREATE TYPE useraction AS ENUM ('LOGGED_IN');
      CREATE TABLE users (
        id bigserial PRIMARY KEY, email varchar(100) UNIQUE NOT NULL, password varchar NOT NULL,
        name varchar, surname varchar, role role NOT NULL DEFAULT 'USER',
        is_active boolean NOT NULL DEFAULT true, is_confirmed boolean NOT NULL DEFAULT false,
        confirmation_token varchar, created_at timestamp DEFAULT now(), updated_at timestamp DEFAULT now());
      CREATE TABLE user_actions (
        id bigserial PRIMARY KEY, user_id bigint REFERENCES users(id), action useraction NOT NULL,
        created_at timestamp DEFAULT now(), updated_at timestamp DEFAULT now());
      CREATE TABLE sessions (
        id uuid PRIMARY KEY, user_id bigint REFERENCES users(id), expires_at timestamp,
        is_active boolean);`);
    await db.query(
      `INSERT INTO users (id, email, password, name, surname, role, is_active, is_confirmed, created_at) VALUES
        (1, 'Root@Old.example.com', $1, 'Old', 'Root', 'ROOT', true, true, '2021-01-02 03:04:05'),
        (2, 'ada@old.example.com', $1, 'Ada', 'Lovelace', 'USER', true, true, '2022-02-03 04:05:06'),
        (3, 'blocked@old.example.com', $1, NULL, NULL, 'ADMIN', false, true, '2022-03-04 05:06:07'),
        (4, 'pending@old.example.com', $1, NULL, NULL, 'USER', true, false, '2023-04-05 06:07:08')`,
      [hash],
    );
    await db.query(
      `INSERT INTO user_actions (user_id, action, created_at) VALUES
        (2, 'LOGGED_IN', '2024-01-01 10:00:00'), (2, 'LOGGED_IN', '2024-02-01 11:00:00'),
        (1, 'LOGGED_IN', '2024-03-01 12:00:00')`,
    );
    await db.end();
  });
  afterAll(async () => {
    await t.destroy();
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${originalName} WITH (FORCE)`);
    await admin.end();
  });

  it('imports users with their hashes, roles, blocks and login history; a re-run skips them', async () => {
    const dry = await cli(t, 'import-fastapi', '--from', originalUrl, '--dry-run');
    expect(dry.stdout).toContain(
      'Dry run: would import 4 users and 3 past logins; 0 already there',
    );
    expect(await t.db.getRepository(User).countBy({ email: 'ada@old.example.com' })).toBe(0);

    const r = await cli(t, 'import-fastapi', '--from', originalUrl);
    expect(r).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Imported 4 users and 3 past logins'),
    });
    const users = t.db.getRepository(User);
    expect(await users.findOneByOrFail({ email: 'root@old.example.com' })).toMatchObject({
      role: 'root',
      isActive: true,
    });
    const ada = await users.findOneByOrFail({ email: 'ada@old.example.com' });
    expect(ada).toMatchObject({
      name: 'Ada',
      surname: 'Lovelace',
      role: 'user',
      isConfirmed: true,
    });
    expect(ada.lastLoginAt).not.toBeNull();
    expect(await users.findOneByOrFail({ email: 'blocked@old.example.com' })).toMatchObject({
      role: 'admin',
      isActive: false,
    });
    expect(await users.findOneByOrFail({ email: 'pending@old.example.com' })).toMatchObject({
      isConfirmed: false,
    });

    await t.http
      .post('/login')
      .send({ email: 'ada@old.example.com', password: PASSWORD })
      .expect(200);
    await t.http
      .post('/login')
      .send({ email: 'blocked@old.example.com', password: PASSWORD })
      .expect(401);
    await t.http
      .post('/login')
      .send({ email: 'pending@old.example.com', password: PASSWORD })
      .expect(403);

    const history: { at: Date }[] = await t.db.query(
      `SELECT at FROM audit_log WHERE action = 'login' AND target_id = $1 AND details->>'imported_from' = 'fastapi' ORDER BY at`,
      [ada.id],
    );
    expect(history.map((h) => new Date(h.at).toISOString().slice(0, 10))).toEqual([
      '2024-01-01',
      '2024-02-01',
    ]);

    const again = await cli(t, 'import-fastapi', '--from', originalUrl);
    expect(again.stdout).toContain('Imported 0 users; 4 already there (skipped)');
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'login' AND details->>'imported_from' = 'fastapi'`,
    );
    expect(n).toBe(3);
  });

  it('reports a bad row by its id and imports nothing', async () => {
    const db = new Client({ connectionString: originalUrl });
    await db.connect();
    await db.query(
      `INSERT INTO users (id, email, password, role) VALUES (9, 'not-an-address', 'x', 'USER')`,
    );
    await db.end();
    const r = await cli(t, 'import-fastapi', '--from', originalUrl);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/users\.id 9: email: .*; password_hash/);
  });
});
