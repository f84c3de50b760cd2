import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { embeddedDir } from '../../src/database/embedded-driver';

const ROOT = join(__dirname, '..', '..');

/**
 * What a fresh embedded database depends on: the migrations, the driver and PGlite's version. A
 * change to any of them makes a new template.
 */
function templateKey(): string {
  const h = createHash('sha256');
  for (const dir of ['migrations']) {
    for (const f of readdirSync(join(ROOT, dir)).sort())
      h.update(f).update(readFileSync(join(ROOT, dir, f)));
  }
  h.update(readFileSync(join(ROOT, 'src/database/embedded-driver.ts')));
  h.update(readFileSync(join(ROOT, 'node_modules/@electric-sql/pglite/package.json')));
  return h.digest('hex').slice(0, 16);
}

let template: Promise<string> | undefined;

/**
 * An embedded database with every migration applied and nothing else, made once per machine (per
 * set of migrations) and copied for each test app, as PostgreSQL copies a template database:
 * making a PGlite folder and migrating it costs a test app two to three seconds, a copy a tenth
 * of that. Each app still opens, migrates (nothing left to do) and owns its own copy.
 */
function embeddedTemplate(): Promise<string> {
  template ??= (async () => {
    const done = join(tmpdir(), `auth-test-template-${templateKey()}`);
    if (existsSync(done)) return embeddedDir(done);
    // Made aside and renamed into place, so a parallel worker never copies a half-made one.
    const work = mkdtempSync(join(tmpdir(), 'auth-test-template-work-'));
    const ds = new DataSource(
      dataSourceOptions({ dataDir: work, migrationsRun: true, poolSize: 1 }),
    );
    await ds.initialize();
    await ds.destroy();
    try {
      renameSync(work, done);
    } catch {
      rmSync(work, { recursive: true, force: true }); // another worker's is in place
    }
    return embeddedDir(done);
  })();
  return template;
}

/** A new embedded database under `dataDir`, copied from the template. */
export async function copyEmbeddedTemplate(dataDir: string): Promise<void> {
  cpSync(await embeddedTemplate(), embeddedDir(dataDir), { recursive: true });
}
