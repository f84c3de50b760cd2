import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { SecretBox, SecretBoxError } from '../crypto/secret-box';

/** What `audit-verify` found: `ok`, or the first place where the chain does not hold. */
export type ChainReport =
  | { ok: true; records: number; checkpoints: number; anchors: number }
  | { ok: false; records: number; problem: string; recordId?: string };

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

/**
 * The audit log's hash chain (migration AuditHashChain): the database computes each record's hash
 * as it is inserted; this walks the chain to verify it, and leaves sealed checkpoints where the
 * retention purge removes records.
 */
@Injectable()
export class AuditChain implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditChain.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly box: SecretBox,
  ) {}

  onApplicationBootstrap(): void {
    // unref: an anchor never keeps the process alive.
    this.timer = setInterval(() => {
      this.anchor().catch((e: unknown) =>
        this.logger.warn({ msg: 'audit anchor not written', err: String(e) }),
      );
    }, ANCHOR_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
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
   * Walks every record in id order. A record's expected hash is SHA-256 of the hash before it (the
   * record with the next lower id, or a checkpoint left where records were purged) and its canonical
   * form; the first record whose stored hash differs is named: it was changed, or the record
   * before it was removed. The head must end where the walk ends (no newest records removed).
   */
  async verify(): Promise<ChainReport> {
    const checkpoints: Sealed[] = withBytes(
      await this.db.query(
        `SELECT c.id::text AS id, hash, seal FROM audit_checkpoints c ORDER BY c.id`,
      ),
    );
    const anchors: Sealed[] = withBytes(
      await this.db.query(`SELECT c.id::text AS id, hash, seal FROM audit_anchors c ORDER BY c.id`),
    );
    for (const [kind, list, context] of [
      ['checkpoint', checkpoints, sealContext],
      ['anchor', anchors, anchorContext],
    ] as const) {
      const forged = list.find((s) => !this.holdsSeal(s, context(s.id)));
      if (forged)
        return {
          ok: false,
          records: 0,
          problem: `${kind} ${forged.id} is not sealed by this server's key (forged or changed)`,
        };
    }
    const anchorAt = new Map(anchors.map((a) => [a.id, a.hash]));
    let prev: Buffer | null = null;
    let prevId = 0n;
    let records = 0;
    let cpAt = 0;
    // Moves `prev` past the checkpoints that lie before `id` (id order, like the records).
    const passCheckpoints = (id: bigint) => {
      while (cpAt < checkpoints.length && BigInt(checkpoints[cpAt].id) < id) {
        if (BigInt(checkpoints[cpAt].id) > prevId) {
          prev = checkpoints[cpAt].hash;
          prevId = BigInt(checkpoints[cpAt].id);
        }
        cpAt++;
      }
    };
    let after = '0';
    for (;;) {
      const rows: ChainRow[] = await this.db.query(
        `SELECT id::text AS id, hash, audit_log_canonical(a) AS canonical
           FROM audit_log a WHERE a.id > $1 ORDER BY a.id LIMIT $2`,
        [after, CHUNK],
      );
      for (const r of rows) {
        const id = BigInt(r.id);
        passCheckpoints(id);
        const expected: Buffer = createHash('sha256')
          .update(prev ?? EMPTY)
          .update(r.canonical)
          .digest();
        const hash = r.hash && bytes(r.hash);
        if (!hash || !expected.equals(hash))
          return {
            ok: false,
            records,
            recordId: r.id,
            problem:
              `audit record ${r.id} does not match the chain: it was changed, ` +
              'or a record before it was removed',
          };
        const anchored = anchorAt.get(r.id);
        if (anchored && !anchored.equals(hash))
          return {
            ok: false,
            records,
            recordId: r.id,
            problem:
              `audit record ${r.id} is not the one sealed in its anchor: the chain was ` +
              'rewritten up to or beyond it',
          };
        prev = hash;
        prevId = id;
        records++;
      }
      if (rows.length < CHUNK) break;
      after = rows[rows.length - 1].id;
    }
    passCheckpoints(BigInt(Number.MAX_SAFE_INTEGER) * 1024n);
    const [head] = withBytes<{ last_id: string | null; hash: Uint8Array }>(
      await this.db.query(`SELECT last_id::text AS last_id, hash FROM audit_chain_head`),
    );
    const headId = head?.last_id ? BigInt(head.last_id) : 0n;
    const endHash: Buffer = prev ?? EMPTY;
    if (!head || headId !== prevId || !endHash.equals(head.hash))
      return {
        ok: false,
        records,
        problem: `the chain ends at record ${prevId} but its head is at ${headId}: newest records were removed`,
      };
    return { ok: true, records, checkpoints: checkpoints.length, anchors: anchors.length };
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
