import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { PeriodicJob } from '../common/periodic-job';
import { SecretBox, SecretBoxError } from '../crypto/secret-box';

/** The kinds of break that `audit-verify` and the scheduled check tell apart. */
export type ChainBreakKind =
  | 'changed_record'
  | 'id_gap'
  | 'missing_hash'
  | 'checkpoint_mismatch'
  | 'anchor_mismatch'
  | 'missing_head'
  | 'head_mismatch';

/** How `audit-verify` names each kind, one line per kind found. */
export const BREAK_NAMES: Record<ChainBreakKind, string> = {
  changed_record: 'changed record',
  id_gap: 'gap in ids',
  missing_hash: 'record without a hash',
  checkpoint_mismatch: 'purge checkpoint that does not match',
  anchor_mismatch: 'anchor that does not match',
  missing_head: 'missing head',
  head_mismatch: 'head that does not match',
};

/** One kind of break: the first place it was found, and how many places in all. */
export interface ChainBreak {
  kind: ChainBreakKind;
  problem: string;
  recordId?: string;
  count: number;
}

/** What a walk of the chain found: `ok`, or every kind of break with its first place. */
export interface ChainReport {
  ok: boolean;
  /** Records walked: every one, or the newest ones of a bounded check. */
  records: number;
  checkpoints: number;
  anchors: number;
  breaks: ChainBreak[];
  /** The lowest id among the records where the chain does not hold. */
  firstBadId?: string;
}

interface ChainRow {
  id: string;
  hash: Uint8Array | null;
  canonical: Uint8Array;
}

/** A sealed (id, hash): a checkpoint where records were purged, or an anchor of the head. */
interface Sealed {
  id: string;
  hash: Buffer;
  seal: string;
}

/** How often the head is anchored. */
export const ANCHOR_INTERVAL_MS = 3_600_000;

const CHUNK = 5000;
const EMPTY = Buffer.alloc(0);

/** bytea arrives as a Buffer from `pg` and as a plain Uint8Array from PGlite. */
const bytes = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const withBytes = <T extends { hash: Uint8Array }>(rows: T[]) =>
  rows.map((r) => ({ ...r, hash: bytes(r.hash) }));

const sealContext = (id: string) => `audit-checkpoint:${id}`;
const anchorContext = (id: string) => `audit-anchor:${id}`;

/** Collects the breaks of one walk: the first place of each kind, and a count per kind. */
class Breaks {
  private readonly byKind = new Map<ChainBreakKind, ChainBreak>();
  private firstBadId?: string;

  add(kind: ChainBreakKind, problem: string, recordId?: string): void {
    const seen = this.byKind.get(kind);
    if (seen) seen.count++;
    else this.byKind.set(kind, { kind, problem, recordId, count: 1 });
    this.firstBadId ??= recordId;
  }

  report(counts: { records: number; checkpoints: number; anchors: number }): ChainReport {
    const breaks = [...this.byKind.values()];
    return { ok: breaks.length === 0, ...counts, breaks, firstBadId: this.firstBadId };
  }
}

/**
 * The audit log's hash chain (migrations AuditHashChain and AuditChainGuard): the database
 * computes each record's hash as it is inserted; this walks the chain to verify it, anchors the
 * head, and leaves sealed checkpoints where the retention purge removes records.
 */
@Injectable()
export class AuditChain implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditChain.name);
  private readonly anchoring = new PeriodicJob(this.logger, 'audit anchor', () => this.anchor());

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly box: SecretBox,
  ) {}

  onApplicationBootstrap(): void {
    this.anchoring.start({ everyMs: ANCHOR_INTERVAL_MS });
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.anchoring.stop();
  }

  /** Seals the chain's head as it is now (nothing when the log is empty or it already is). */
  async anchor(): Promise<void> {
    const [head] = withBytes<{ last_id: string | null; hash: Uint8Array }>(
      await this.db.query(`SELECT last_id::text AS last_id, hash FROM audit_chain_head`),
    );
    if (!head?.last_id) return;
    await this.db.query(
      `INSERT INTO audit_anchors (id, hash, seal) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [
        head.last_id,
        head.hash,
        this.box.seal(head.hash.toString('hex'), anchorContext(head.last_id)),
      ],
    );
  }

  /**
   * Called in the purge's transaction with the records it has just deleted: for each run of them
   * (consecutive among the records that were there), the last one's id and hash, sealed, so the
   * record after the run still verifies.
   */
  async checkpointRuns(m: EntityManager, gone: { id: string; hash: Uint8Array | null }[]) {
    const chained = gone.filter((g) => g.hash !== null);
    if (!chained.length) return;
    const ends: { id: string; hash: Uint8Array }[] = await m.query(
      `SELECT DISTINCT ON (runs.next) runs.id::text AS id, runs.hash FROM (
         SELECT d.id, d.hash, (SELECT min(a.id) FROM audit_log a WHERE a.id > d.id) AS next
           FROM unnest($1::bigint[], $2::bytea[]) AS d(id, hash)) runs
        ORDER BY runs.next, runs.id DESC`,
      [chained.map((g) => g.id), chained.map((g) => g.hash)],
    );
    for (const end of withBytes(ends))
      await m.query(
        `INSERT INTO audit_checkpoints (id, hash, seal) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [end.id, end.hash, this.box.seal(end.hash.toString('hex'), sealContext(end.id))],
      );
  }

  /**
   * Walks the records in id order: every one, or with `newest` only that many of the newest (a
   * bounded check: the walk starts from the stored hash of the record before them, so a change
   * further back is left to the full walk). A record's expected hash is SHA-256 of the hash before
   * it (the record with the next lower id, or a checkpoint left where records were purged) and its
   * canonical form. Every break is reported by kind, with the first record of each kind; after a
   * break the walk goes on from the stored hash, so one change is reported once. The head must end
   * where the walk ends. One read-only snapshot, so records written or purged meanwhile do not
   * look like breaks.
   */
  verify(opts: { newest?: number } = {}): Promise<ChainReport> {
    return this.db.transaction('REPEATABLE READ', async (m) => {
      await m.query('SET TRANSACTION READ ONLY');
      return this.walk(m, opts.newest);
    });
  }

  private async walk(m: EntityManager, newest?: number): Promise<ChainReport> {
    const breaks = new Breaks();
    let after = '0';
    let prev: Buffer | null = null;
    let prevId = 0n;
    if (newest !== undefined) {
      const [before]: { id: string }[] = await m.query(
        `SELECT a.id::text AS id FROM audit_log a ORDER BY a.id DESC OFFSET $1 LIMIT 1`,
        [newest],
      );
      if (before) {
        after = before.id;
        prevId = BigInt(after);
        // Records without a hash are skipped by the chain, as in the walk below.
        const [start] = withBytes<{ hash: Uint8Array }>(
          await m.query(
            `SELECT a.hash FROM audit_log a
              WHERE a.id <= $1 AND a.hash IS NOT NULL ORDER BY a.id DESC LIMIT 1`,
            [after],
          ),
        );
        prev = start?.hash ?? null;
      }
    }
    const checkpoints: Sealed[] = withBytes(
      await m.query(
        `SELECT c.id::text AS id, hash, seal FROM audit_checkpoints c WHERE c.id > $1 ORDER BY c.id`,
        [prevId.toString()],
      ),
    );
    const anchors: Sealed[] = withBytes(
      await m.query(
        `SELECT c.id::text AS id, hash, seal FROM audit_anchors c WHERE c.id > $1 ORDER BY c.id`,
        [after],
      ),
    );
    for (const s of checkpoints)
      if (!this.holdsSeal(s, sealContext(s.id)))
        breaks.add(
          'checkpoint_mismatch',
          `checkpoint ${s.id} is not sealed by this server's key (forged or changed)`,
        );
    for (const s of anchors)
      if (!this.holdsSeal(s, anchorContext(s.id)))
        breaks.add(
          'anchor_mismatch',
          `anchor ${s.id} is not sealed by this server's key (forged or changed)`,
        );
    const anchorAt = new Map(anchors.map((a) => [a.id, a.hash]));
    let records = 0;
    let cpAt = 0;
    let prevIsCheckpoint = false;
    // Moves `prev` past the checkpoints that lie before `id` (id order, like the records).
    const passCheckpoints = (id: bigint) => {
      while (cpAt < checkpoints.length && BigInt(checkpoints[cpAt].id) < id) {
        if (BigInt(checkpoints[cpAt].id) > prevId) {
          prev = checkpoints[cpAt].hash;
          prevId = BigInt(checkpoints[cpAt].id);
          prevIsCheckpoint = true;
        }
        cpAt++;
      }
    };
    for (;;) {
      const rows: ChainRow[] = await m.query(
        `SELECT id::text AS id, hash, audit_log_canonical(a) AS canonical
           FROM audit_log a WHERE a.id > $1 ORDER BY a.id LIMIT $2`,
        [after, CHUNK],
      );
      for (const r of rows) {
        records++;
        const id = BigInt(r.id);
        passCheckpoints(id);
        if (!r.hash) {
          // The chain skips it (the next record was chained on the hash before), not its id.
          prevId = id;
          prevIsCheckpoint = false;
          breaks.add(
            'missing_hash',
            `audit record ${r.id} has no hash: it was stored while the chain head was missing ` +
              'or the chain trigger was disabled',
            r.id,
          );
          continue;
        }
        const hash = bytes(r.hash);
        const expected: Buffer = createHash('sha256')
          .update(prev ?? EMPTY)
          .update(r.canonical)
          .digest();
        if (!expected.equals(hash)) {
          if (id > prevId + 1n)
            breaks.add(
              'id_gap',
              `audit record ${r.id} does not chain on ${prevId ? `record ${prevId}` : 'the start'}: ` +
                `the records between them were removed (or ${r.id} was changed)`,
              r.id,
            );
          else if (prevIsCheckpoint)
            breaks.add(
              'checkpoint_mismatch',
              `audit record ${r.id} does not chain on the purge checkpoint ${prevId} before it: ` +
                'the checkpoint or the record was changed',
              r.id,
            );
          else
            breaks.add(
              'changed_record',
              `audit record ${r.id} does not match the chain: it was changed`,
              r.id,
            );
        }
        const anchored = anchorAt.get(r.id);
        if (anchored && !anchored.equals(hash))
          breaks.add(
            'anchor_mismatch',
            `audit record ${r.id} is not the one sealed in its anchor: the chain was ` +
              'rewritten up to or beyond it',
            r.id,
          );
        prev = hash;
        prevId = id;
        prevIsCheckpoint = false;
      }
      if (rows.length < CHUNK) break;
      after = rows[rows.length - 1].id;
    }
    passCheckpoints(BigInt(Number.MAX_SAFE_INTEGER) * 1024n);
    const [head] = withBytes<{ last_id: string | null; hash: Uint8Array }>(
      await m.query(`SELECT last_id::text AS last_id, hash FROM audit_chain_head`),
    );
    const headId = head?.last_id ? BigInt(head.last_id) : 0n;
    const endHash: Buffer = prev ?? EMPTY;
    if (!head)
      breaks.add(
        'missing_head',
        'the chain head (audit_chain_head) is missing: no audit record can be written until ' +
          'the database owner restores it',
      );
    else if (headId !== prevId)
      breaks.add(
        'head_mismatch',
        `the chain ends at record ${prevId} but its head is at ${headId}: ` +
          (headId > prevId ? 'newest records were removed' : 'the head was moved back'),
      );
    else if (!endHash.equals(head.hash))
      breaks.add(
        'head_mismatch',
        `the head's hash is not that of record ${prevId}, where the chain ends: the head was changed`,
      );
    return breaks.report({ records, checkpoints: checkpoints.length, anchors: anchors.length });
  }

  private holdsSeal(s: Sealed, context: string): boolean {
    try {
      return this.box.open(s.seal, context) === s.hash.toString('hex');
    } catch (e) {
      if (e instanceof SecretBoxError) return false;
      throw e;
    }
  }
}
