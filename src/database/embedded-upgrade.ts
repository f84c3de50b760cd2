import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { EmbeddedUpgradeError } from './database.errors';
import {
  CURRENT_ENGINE,
  dataDirMajor,
  embeddedDir,
  EmbeddedEngine,
  lockDataDir,
  PREVIOUS_ENGINE,
  upgradeWorkDir,
} from './embedded-driver';

/** What a data folder holds, in a form that two PostgreSQL major versions print alike. */
export interface Inventory {
  /** `schema.table` → row count and a checksum of the rows' text. */
  tables: Record<string, { rows: number; sum: string }>;
  /** `schema.sequence` → last value (null before its first use). */
  sequences: Record<string, string | null>;
  /** Functions (with a checksum of their source), triggers, indexes, constraints, extensions. */
  definitions: string[];
}

const NOT_SYSTEM = (col: string) => `${col} NOT LIKE 'pg\\_%' AND ${col} <> 'information_schema'`;

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Reads the inventory of an open database (either engine: only plain queries). */
export async function inventory(db: PGlite): Promise<Inventory> {
  const tables: Inventory['tables'] = {};
  const names = await db.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND ${NOT_SYSTEM('n.nspname')} ORDER BY 1, 2`,
  );
  for (const { schema, name } of names.rows) {
    const { rows } = await db.query<{ rows: number; sum: string }>(
      `SELECT count(*)::int AS rows,
              md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS sum
         FROM ${quoteIdent(schema)}.${quoteIdent(name)} t`,
    );
    tables[`${schema}.${name}`] = rows[0];
  }
  const sequences: Inventory['sequences'] = {};
  const seqs = await db.query<{ name: string; last: string | null }>(
    `SELECT schemaname || '.' || sequencename AS name, last_value::text AS last
       FROM pg_sequences ORDER BY 1`,
  );
  for (const s of seqs.rows) sequences[s.name] = s.last;
  // By name and kind, not by their text: each major version deparses expressions its own way
  // (PostgreSQL 19 writes the casts of a CHECK's ARRAY[...] otherwise than 17). NOT NULL
  // constraints (contype 'n') are catalogued from PostgreSQL 18 on only; extension members come
  // with the extension. Function bodies are kept as written, so they are compared in full.
  const defs = await db.query<{ def: string }>(
    `SELECT 'function ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc) AS def
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${NOT_SYSTEM('n.nspname')} AND NOT EXISTS (SELECT 1 FROM pg_depend d
        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
     UNION ALL SELECT 'trigger ' || t.tgrelid::regclass::text || ' ' || t.tgname || ' ' ||
                      t.tgfoid::regprocedure::text || ' ' || t.tgtype || ' ' || t.tgenabled::text
       FROM pg_trigger t WHERE NOT t.tgisinternal
     UNION ALL SELECT 'index ' || i.indrelid::regclass::text || ' ' || i.indexrelid::regclass::text ||
                      CASE WHEN i.indisunique THEN ' unique' ELSE '' END
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${NOT_SYSTEM('n.nspname')}
     UNION ALL SELECT 'constraint ' || c.conrelid::regclass::text || ' ' || c.conname || ' ' ||
                      c.contype::text
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE c.contype <> 'n' AND ${NOT_SYSTEM('n.nspname')}
     UNION ALL SELECT 'extension ' || extname FROM pg_extension
     ORDER BY 1`,
  );
  return { tables, sequences, definitions: defs.rows.map((r) => r.def) };
}

/** The differences between two inventories, one line each; empty when they agree. */
export function compareInventories(before: Inventory, after: Inventory): string[] {
  const out: string[] = [];
  const keys = (a: object, b: object) => [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const t of keys(before.tables, after.tables)) {
    const [b, a] = [before.tables[t], after.tables[t]];
    if (!a || !b) out.push(`table ${t}: ${b ? 'missing after' : 'not there before'}`);
    else if (a.rows !== b.rows) out.push(`table ${t}: ${b.rows} rows before, ${a.rows} after`);
    else if (a.sum !== b.sum) out.push(`table ${t}: same row count, different contents`);
  }
  for (const s of keys(before.sequences, after.sequences))
    if (before.sequences[s] !== after.sequences[s])
      out.push(`sequence ${s}: ${before.sequences[s]} before, ${after.sequences[s]} after`);
  const [b, a] = [new Set(before.definitions), new Set(after.definitions)];
  for (const d of b) if (!a.has(d)) out.push(`missing after: ${d}`);
  for (const d of a) if (!b.has(d)) out.push(`not there before: ${d}`);
  return out;
}

async function open(engine: EmbeddedEngine, dir: string): Promise<PGlite> {
  const { PGlite, pg_trgm } = await engine.load();
  return PGlite.create(dir, { extensions: { pg_trgm } });
}

/** pg_dump of the previous release (PostgreSQL 17), run in WASM against the open database. */
async function dumpPrevious(db: PGlite): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { pgDump } = require('pglite-tools-previous/pg_dump') as {
    pgDump: (o: { pg: PGlite }) => Promise<Blob>;
  };
  const sql = await (await pgDump({ pg: db })).text();
  // pgDump restores the session's search_path without waiting for it: wait here, before close.
  await db.query('SELECT 1');
  return sql;
}

/** `base`, or `base-2`, `base-3`…: never an existing folder. */
function freeName(base: string): string {
  if (!existsSync(base)) return base;
  for (let i = 2; ; i++) if (!existsSync(`${base}-${i}`)) return `${base}-${i}`;
}

/** A backup left by an earlier run (`db.pg17`, `db.pg17-2`…). */
function anyBackup(dir: string): boolean {
  const prefix = `${basename(dir)}.pg${PREVIOUS_ENGINE.major}`;
  return existsSync(dirname(dir)) && readdirSync(dirname(dir)).some((f) => f.startsWith(prefix));
}

export type UpgradeOutcome =
  | { upgraded: false; /** A sentence for the operator. */ reason: string }
  | { upgraded: true; dir: string; backup: string; tables: number; rows: number };

export interface UpgradeOptions {
  /** Runs on the new folder once it is in place (the embedded database closed, unlocked); answers
   *  a problem, or undefined. A problem puts the old folder back. */
  verify: () => Promise<string | undefined>;
  log: (line: string) => void;
}

/**
 * Moves the embedded database under `dataDir` from the previous release's PGlite to this one's:
 * a dump with the previous PGlite and its pg_dump, a restore into `<db>.upgrading` with the current
 * one, the same inventory on both sides (every table's rows, sequences, definitions), then the old
 * folder becomes `<db>.pg17` and the new one takes its place, and `verify` runs on it. Nothing is
 * deleted but this command's own unfinished work folder.
 */
export async function upgradeEmbeddedDatabase(
  dataDir: string,
  { verify, log }: UpgradeOptions,
): Promise<UpgradeOutcome> {
  const dir = embeddedDir(dataDir);
  const work = upgradeWorkDir(dir);
  let backup: string;
  let summary: { tables: number; rows: number };
  const unlock = lockDataDir(dir);
  try {
    const found = dataDirMajor(dir);
    if (found === undefined && existsSync(work) && anyBackup(dir)) {
      // A run stopped between its two renames: the work folder was already checked.
      if (dataDirMajor(work) !== CURRENT_ENGINE.major)
        throw new EmbeddedUpgradeError(`${work} is not a finished upgrade; ${dir} is missing.`);
      log(`Finishing an upgrade that stopped: ${work} becomes ${dir}.`);
      renameSync(work, dir);
      unlock();
      const problem = await verify();
      if (problem) throw new EmbeddedUpgradeError(`${dir} does not verify: ${problem}`);
      return {
        upgraded: false,
        reason: `Finished an upgrade that had stopped: ${dir} is in place and verifies`,
      };
    }
    if (found === undefined)
      return {
        upgraded: false,
        reason: `Nothing to upgrade: there is no embedded database in ${dir}`,
      };
    if (found === CURRENT_ENGINE.major)
      return {
        upgraded: false,
        reason: `Nothing to upgrade: ${dir} is already on PostgreSQL ${found}, the one this release embeds`,
      };
    if (found !== PREVIOUS_ENGINE.major)
      throw new EmbeddedUpgradeError(
        `${dir} was written by PostgreSQL ${found}; this command moves folders of PostgreSQL ` +
          `${PREVIOUS_ENGINE.major} only. Nothing was changed.`,
      );
    rmSync(work, { recursive: true, force: true });

    log(`Reading ${dir} (PostgreSQL ${found})…`);
    const old = await open(PREVIOUS_ENGINE, dir);
    let before: Inventory;
    let dump: string;
    try {
      before = await inventory(old);
      dump = await dumpPrevious(old);
    } finally {
      await old.close();
    }
    log(`Restoring into ${work} (PostgreSQL ${CURRENT_ENGINE.major})…`);
    const fresh = await open(CURRENT_ENGINE, work);
    let after: Inventory;
    try {
      await fresh.exec(dump);
      // The dump empties search_path for its session.
      await fresh.exec('RESET ALL');
      after = await inventory(fresh);
    } finally {
      await fresh.close();
    }
    const differences = compareInventories(before, after);
    if (differences.length) {
      rmSync(work, { recursive: true, force: true });
      throw new EmbeddedUpgradeError(
        `The copy does not match ${dir}, which was left as it was:\n  ${differences.join('\n  ')}`,
      );
    }
    summary = {
      tables: Object.keys(after.tables).length,
      rows: Object.values(after.tables).reduce((n, t) => n + t.rows, 0),
    };
    log(
      `The copy matches: ${summary.tables} tables, ${summary.rows} rows, sequences, definitions.`,
    );
    backup = freeName(`${dir}.pg${found}`);
    renameSync(dir, backup);
    renameSync(work, dir);
  } finally {
    unlock();
  }
  log(`${dir} now holds the new folder; the old one is ${backup}. Verifying…`);
  const problem = await verify();
  if (problem) {
    const failed = freeName(`${dir}.pg${CURRENT_ENGINE.major}-failed`);
    renameSync(dir, failed);
    renameSync(backup, dir);
    throw new EmbeddedUpgradeError(
      `The new folder does not verify (${problem}). ${dir} was put back as it was; ` +
        `the new folder is kept as ${failed}.`,
    );
  }
  return { upgraded: true, dir, backup, ...summary };
}
