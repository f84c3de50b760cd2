import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapException } from '../common/filters/map-exception';
import { DataDirVersionError } from './database.errors';
import {
  checkDataDirVersion,
  CURRENT_ENGINE,
  PREVIOUS_ENGINE,
  Turnstile,
  upgradeWorkDir,
} from './embedded-driver';

describe('the embedded driver’s turnstile', () => {
  it('ends a wait that lasts too long with an error answered 503 with Retry-After', async () => {
    const turnstile = new Turnstile();
    await turnstile.acquire(1000);
    const waited = await turnstile.acquire(20).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(waited).toBeInstanceOf(Error);
    const mapped = mapException(waited);
    expect(mapped.body).toMatchObject({ statusCode: 503, code: 'database_unavailable' });
    expect(mapped.headers['Retry-After']).toBeDefined();
    turnstile.release();
  });
});

describe('the embedded driver’s data folder version check', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'pgver-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const folder = (major: string) => {
    const dir = join(root, 'db');
    mkdirSync(dir);
    writeFileSync(join(dir, 'PG_VERSION'), `${major}\n`);
    return dir;
  };

  it('refuses a folder of the previous release by name, names the command, leaves it as it is', () => {
    const dir = folder('17');
    expect(() => checkDataDirVersion(dir)).toThrow(DataDirVersionError);
    expect(() => checkDataDirVersion(dir)).toThrow(
      /written by PostgreSQL 17.*`npm run cli -- embedded-upgrade`.*db\.pg17/s,
    );
    expect(readdirSync(dir)).toEqual(['PG_VERSION']);
  });

  it('refuses a folder of another major version without offering the command', () => {
    expect(() => checkDataDirVersion(folder('16'))).toThrow(
      /written by PostgreSQL 16.*moves folders of PostgreSQL 17 only/s,
    );
  });

  it('refuses a missing folder beside an unfinished upgrade instead of starting an empty one', () => {
    mkdirSync(upgradeWorkDir(join(root, 'db')));
    expect(() => checkDataDirVersion(join(root, 'db'))).toThrow(/upgrade did not finish/);
  });

  it('accepts a new folder, and one of the embedded version', () => {
    expect(() => checkDataDirVersion(join(root, 'absent'))).not.toThrow();
    expect(() => checkDataDirVersion(folder(CURRENT_ENGINE.major))).not.toThrow();
  });

  it.each([
    ['this release', CURRENT_ENGINE],
    ['the previous release', PREVIOUS_ENGINE],
  ])('names the major version that %s’s PGlite really embeds', async (_, engine) => {
    const { PGlite } = await engine.load();
    const db = await PGlite.create();
    const { rows } = await db.query<{ v: string }>(
      `SELECT current_setting('server_version_num') v`,
    );
    await db.close();
    expect(String(Math.floor(Number(rows[0].v) / 10000))).toBe(engine.major);
  });
});
