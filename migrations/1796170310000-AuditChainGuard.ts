import { MigrationInterface, QueryRunner } from 'typeorm';
import { CHAIN_TRIGGER_FUNCTION } from './1796167000000-AuditHashChain';

/**
 * The audit chain cannot be switched off by a client that may only write rows. Without this, a
 * role with DELETE on `audit_chain_head` could remove the head; every later record would then be
 * stored with a NULL hash (sha256(NULL || ...) is NULL) and the head's UPDATE would touch nothing,
 * so the chain would stop without an error.
 *
 * - `audit_chain_head` refuses INSERT, DELETE and TRUNCATE, and UPDATE unless it comes from a
 *   trigger (the chain trigger of audit_log) and moves the head forward. Only the table owner or a
 *   superuser can get past it, by disabling the trigger, as for audit_log itself.
 * - The chain trigger refuses to insert a record while the head is missing, naming the cause,
 *   instead of storing it without a hash.
 * - A new record must have its hash (a check constraint, so it holds also when the chain trigger is
 *   disabled). Records that exist when this runs are exempt by id: a record stored without a hash
 *   before is evidence that `audit-verify` names, and a pseudonymisation UPDATE of it must still
 *   pass. NOT VALID: nothing to scan, the exempt ids cover every existing row.
 * - Ids follow the head (its last id + 1) instead of the sequence: the head's row lock already
 *   serialises inserts, and an insert that is rolled back gives its id back with the head's update,
 *   so ids have no gaps. An id missing between two records was removed (or purged, which leaves a
 *   checkpoint); `audit-verify` can tell that from a changed record.
 * - A database whose head is already missing gets one back, at its newest record and the newest
 *   hash, so the server can write again; the records stored without a hash stay and are reported.
 */
export class AuditChainGuard1796170310000 implements MigrationInterface {
  name = 'AuditChainGuard1796170310000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO audit_chain_head (last_id, hash)
      SELECT (SELECT max(id) FROM audit_log),
             coalesce((SELECT hash FROM audit_log WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1),
                      ''::bytea)
       WHERE NOT EXISTS (SELECT 1 FROM audit_chain_head)`);
    await q.query(CHAIN_TRIGGER_REFUSING_NO_HEAD);
    await q.query(`
      CREATE FUNCTION audit_chain_head_guard() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        -- Depth 1 is a statement from a client; the chain trigger's UPDATE runs at depth 2.
        IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1
           AND NEW.last_id > coalesce(OLD.last_id, 0) THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_chain_head is written only by the audit chain trigger: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_chain_head_guard
      BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_head
      FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard()`);
    await q.query(`
      CREATE TRIGGER audit_chain_head_no_truncate
      BEFORE TRUNCATE ON audit_chain_head
      FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_guard()`);
    await q.query(`
      DO $$
      BEGIN
        EXECUTE format(
          'ALTER TABLE audit_log ADD CONSTRAINT audit_log_hash_present
             CHECK (hash IS NOT NULL OR id <= %s) NOT VALID',
          coalesce((SELECT max(id) FROM audit_log), 0));
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_hash_present`);
    await q.query(`DROP TRIGGER IF EXISTS audit_chain_head_no_truncate ON audit_chain_head`);
    await q.query(`DROP TRIGGER IF EXISTS audit_chain_head_guard ON audit_chain_head`);
    await q.query(`DROP FUNCTION IF EXISTS audit_chain_head_guard()`);
    await q.query(CHAIN_TRIGGER_FUNCTION);
  }
}

const CHAIN_TRIGGER_REFUSING_NO_HEAD = `
  CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
  LANGUAGE plpgsql AS $$
  DECLARE
    prev bytea;
    prev_id bigint;
  BEGIN
    SELECT hash, last_id INTO prev, prev_id FROM audit_chain_head FOR UPDATE;
    IF NOT FOUND OR prev IS NULL THEN
      RAISE EXCEPTION 'audit record refused: the audit chain head (audit_chain_head) is missing'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'The database owner must restore the head; npm run cli -- audit-verify reports the chain.';
    END IF;
    NEW.id := coalesce(prev_id, 0) + 1;
    NEW.hash := sha256(prev || audit_log_canonical(NEW));
    UPDATE audit_chain_head SET hash = NEW.hash, last_id = NEW.id;
    RETURN NEW;
  END
  $$`;
