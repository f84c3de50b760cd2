import { EventEmitter } from 'node:events';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Extension, PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { inSpan, tracingStarted } from '../telemetry/spans';
import { DataDirInUseError, DataDirVersionError } from './database.errors';

/**
 * A `pg`-shaped driver over PGlite for TypeORM's postgres driver (`driver` option).
 *
 * PGlite is one single-user backend: if two query runners share it, their statements interleave and
 * a transaction of one swallows the statements of the other. So this pool hands the one backend to
 * one client at a time (FIFO), and a client keeps it until released, just as a pooled `pg` connection
 * would be kept for a transaction. A file lock keeps a second process off the same folder.
 */

const BOOL = 16;
const INT8 = 20;
const NUMERIC = 1700;

/** Waiting longer than this for the backend is a bug (a query outside the transaction that holds it). */
const ACQUIRE_TIMEOUT_MS = 15_000;

/**
 * Values in the shapes node-postgres gives and takes: bigint and numeric as strings, and booleans
 * accepted as 1/0 (TypeORM sends them so). Passed per query: PGlite's constructor options for
 * these are not applied by its CommonJS build.
 */
const QUERY_OPTIONS = {
  parsers: { [INT8]: (v: string) => v, [NUMERIC]: (v: string) => v },
  serializers: {
    [BOOL]: (v: unknown) =>
      v === true || v === 1 || v === '1' || v === 't' || v === 'true' ? 't' : 'f',
  },
};

type QueryCallback = (err: Error | null, result?: PgResult) => void;

interface PgResult {
  command: string;
  rows: unknown[];
  rowCount: number;
  fields: { name: string; dataTypeID: number }[];
}

const locksHeldHere = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<dir>.lock`, or explains who holds it. A lock left by a dead process is taken over. */
export function lockDataDir(dir: string): () => void {
  const lockPath = `${dir}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      locksHeldHere.add(lockPath);
      return () => {
        locksHeldHere.delete(lockPath);
        try {
          unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(lockPath, 'utf8').trim());
      const stale =
        !Number.isInteger(pid) ||
        !processAlive(pid) ||
        (pid === process.pid && !locksHeldHere.has(lockPath));
      if (!stale) throw new DataDirInUseError(dir, pid);
      unlinkSync(lockPath);
    }
  }
  throw new Error(`Could not lock ${lockPath}`);
}

export class Turnstile {
  private busy = false;
  private readonly waiting: Array<() => void> = [];

  acquire(timeoutMs: number): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        // 57P03 (cannot_connect_now): the request may be retried, so it is answered 503 with
        // Retry-After like a lost PostgreSQL connection, not 500.
        reject(
          Object.assign(
            new Error(
              'Timed out waiting for the embedded database (is a transaction waiting on itself?)',
            ),
            { code: '57P03' },
          ),
        );
      }, timeoutMs);
      this.waiting.push(grant);
    });
  }

  get busyNow(): boolean {
    return this.busy;
  }

  get waitingNow(): number {
    return this.waiting.length;
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}

function commandOf(sql: string): string {
  const m = /^\s*(?:--[^\n]*\n\s*)*([a-zA-Z]+)/.exec(sql);
  return m ? m[1].toUpperCase() : '';
}

class EmbeddedClient extends EventEmitter {
  constructor(private readonly db: PGlite) {
    super();
  }

  query(text: string, callback: QueryCallback): void;
  query(text: string, params?: unknown[]): Promise<PgResult>;
  query(text: string, a?: unknown[] | QueryCallback, b?: QueryCallback): Promise<PgResult> | void {
    const callback = typeof a === 'function' ? a : b;
    const params = Array.isArray(a) ? a : [];
    const command = commandOf(text);
    const query = () =>
      this.db.query(text, params as never[], QUERY_OPTIONS).then((r): PgResult => {
        const rowCount = ['UPDATE', 'DELETE', 'INSERT', 'MERGE'].includes(command)
          ? (r.affectedRows ?? 0)
          : r.rows.length;
        return { command, rows: r.rows, rowCount, fields: r.fields };
      });
    // A span per query as `pg`'s instrumentation makes them (name, attributes, only inside a
    // request or a mail send), so traces look alike on both databases; without tracing, a call.
    const run = tracingStarted()
      ? inSpan(
          `pg.query:${command || 'QUERY'}`,
          { 'db.system.name': 'postgresql', 'db.query.text': text },
          query,
          { requireParent: true },
        )
      : query();
    if (!callback) return run;
    run.then(
      (r) => callback(null, r),
      (e: Error) => callback(e),
    );
  }

  async rollbackIfOpen(): Promise<void> {
    if (this.db.isInTransaction()) await this.db.query('ROLLBACK');
  }
}

/** A PGlite build: its class, and its pg_trgm extension (which must match the build). */
export interface EmbeddedEngine {
  /** The PostgreSQL major version inside, as a data folder's PG_VERSION names it. */
  major: string;
  load(): Promise<{ PGlite: typeof PGlite; pg_trgm: Extension }>;
}

/**
 * The PGlite this release runs (0.6: PostgreSQL 19). Change `major` together with the package; a
 * spec checks that they agree. pg_trgm (trigram indexes for substring search) must be handed to
 * PGlite.create before `CREATE EXTENSION pg_trgm` can run; it is loaded by require because the
 * package only exposes it as a subpath export, which this project's module resolution cannot type.
 */
export const CURRENT_ENGINE: EmbeddedEngine = {
  major: '19',
  load: async () => ({
    PGlite: (await import('@electric-sql/pglite')).PGlite,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pg_trgm: (require('@electric-sql/pglite/contrib/pg_trgm') as { pg_trgm: Extension }).pg_trgm,
  }),
};

/**
 * The PGlite of the previous release (0.3.16: PostgreSQL 17), kept only to read a data folder it
 * wrote during `embedded-upgrade`. Its API is the same for what the driver uses.
 */
export const PREVIOUS_ENGINE: EmbeddedEngine = {
  major: '17',
  load: async () => ({
    PGlite: (await import('pglite-previous')).PGlite as unknown as typeof PGlite,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pg_trgm: (require('pglite-previous/contrib/pg_trgm') as { pg_trgm: Extension }).pg_trgm,
  }),
};

/** The major version a data folder was written by, or undefined for a new (absent or empty) one. */
export function dataDirMajor(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, 'PG_VERSION'), 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Where an upgrade writes the new folder before it takes the old one's place. */
export const upgradeWorkDir = (dir: string) => `${dir}.upgrading`;

/**
 * Refuses a folder the engine cannot open before PGlite touches it: PGlite itself would only say
 * "PGlite failed to initialize properly". A missing folder or PG_VERSION is a new database, unless
 * an upgrade stopped between moving the old folder away and putting the new one in its place.
 */
export function checkDataDirVersion(dir: string, engine: EmbeddedEngine = CURRENT_ENGINE): void {
  const found = dataDirMajor(dir);
  if (found === undefined) {
    if (existsSync(upgradeWorkDir(dir)))
      throw new DataDirVersionError(dir, 'none', engine.major, PREVIOUS_ENGINE.major);
    return;
  }
  if (found !== engine.major)
    throw new DataDirVersionError(dir, found, engine.major, PREVIOUS_ENGINE.major);
}

export interface EmbeddedDriverOptions {
  /** Folder of the database files; `<dir>.lock` is created beside it. */
  dir: string;
  /** The PGlite build to open it with (the current one unless upgrading). */
  engine?: EmbeddedEngine;
}

export class EmbeddedPool extends EventEmitter {
  private opening?: Promise<EmbeddedClient>;
  private unlock?: () => void;
  private readonly turnstile = new Turnstile();
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly engine: EmbeddedEngine = CURRENT_ENGINE,
  ) {
    super();
  }

  // The counters of a `pg` Pool, for /metrics: one backend, busy or idle.
  get totalCount(): number {
    return this.opening ? 1 : 0;
  }

  get idleCount(): number {
    return this.opening && !this.turnstile.busyNow ? 1 : 0;
  }

  get waitingCount(): number {
    return this.turnstile.waitingNow;
  }

  private open(): Promise<EmbeddedClient> {
    this.opening ??= (async () => {
      this.unlock = lockDataDir(this.dir);
      try {
        checkDataDirVersion(this.dir, this.engine);
        mkdirSync(this.dir, { recursive: true });
        const { PGlite, pg_trgm } = await this.engine.load();
        const db = await PGlite.create(this.dir, { extensions: { pg_trgm } });
        return new EmbeddedClient(db);
      } catch (e) {
        this.unlock();
        this.unlock = undefined;
        throw e;
      }
    })();
    return this.opening;
  }

  connect(callback: (err: Error | null, client?: EmbeddedClient, release?: () => void) => void) {
    if (this.closed) {
      callback(new Error('The embedded database is closed'));
      return;
    }
    this.open()
      .then(async (client) => {
        await this.turnstile.acquire(ACQUIRE_TIMEOUT_MS);
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          // A client given back inside a transaction (a crash mid-way) must not leak it to the next.
          client
            .rollbackIfOpen()
            .catch(() => undefined)
            .finally(() => this.turnstile.release());
        };
        callback(null, client, release);
      })
      .catch((e: Error) => callback(e));
  }

  end(callback?: (err?: Error) => void) {
    this.closed = true;
    const done = (async () => {
      if (!this.opening) return;
      const client = await this.opening.catch(() => undefined);
      try {
        if (client) await (client as unknown as { db: PGlite }).db.close();
      } finally {
        this.unlock?.();
        this.unlock = undefined;
      }
    })();
    done.then(
      () => callback?.(),
      (e: Error) => callback?.(e),
    );
    return done;
  }
}

/** An object with a `Pool` class: the only thing TypeORM's postgres driver takes from `pg`. */
export function createEmbeddedDriver({ dir, engine }: EmbeddedDriverOptions): {
  Pool: new () => EmbeddedPool;
} {
  return {
    Pool: class extends EmbeddedPool {
      constructor() {
        super(dir, engine);
      }
    },
  };
}

export const embeddedDir = (dataDir: string) => join(dataDir, 'db');
