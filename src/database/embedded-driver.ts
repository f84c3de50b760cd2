import { EventEmitter } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Extension, PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { inSpan, tracingStarted } from '../telemetry/spans';

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

export class DataDirInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `The embedded database in ${dir} is in use by process ${pid}. ` +
        'Stop that process, or give this one another DATA_DIR (or a DATABASE_URL).',
    );
    this.name = 'DataDirInUseError';
  }
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

/**
 * PGlite's build of the pg_trgm extension (trigram indexes for substring search), which must be
 * handed to PGlite.create before `CREATE EXTENSION pg_trgm` can run. Loaded by require: the package
 * only exposes it as a subpath export, which this project's module resolution cannot type.
 */
function loadPgTrgm(): Extension {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@electric-sql/pglite/contrib/pg_trgm') as { pg_trgm: Extension }).pg_trgm;
}

export interface EmbeddedDriverOptions {
  /** Folder of the database files; `<dir>.lock` is created beside it. */
  dir: string;
}

export class EmbeddedPool extends EventEmitter {
  private opening?: Promise<EmbeddedClient>;
  private unlock?: () => void;
  private readonly turnstile = new Turnstile();
  private closed = false;

  constructor(private readonly dir: string) {
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
        mkdirSync(this.dir, { recursive: true });
        const { PGlite } = await import('@electric-sql/pglite');
        const db = await PGlite.create(this.dir, { extensions: { pg_trgm: loadPgTrgm() } });
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
export function createEmbeddedDriver({ dir }: EmbeddedDriverOptions): {
  Pool: new () => EmbeddedPool;
} {
  return {
    Pool: class extends EmbeddedPool {
      constructor() {
        super(dir);
      }
    },
  };
}

export const embeddedDir = (dataDir: string) => join(dataDir, 'db');
