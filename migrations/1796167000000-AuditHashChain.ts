import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Makes the audit log tamper-evident (docs/security.md, "Audit chain"): every record carries
 * `hash = SHA-256(hash of the record before it || canonical record)`, so a record changed or removed
 * behind the append-only trigger (by a superuser, or with the trigger disabled) breaks the chain at
 * that record, and `npm run cli -- audit-verify` names it.
 *
 * - The canonical record (`audit_log_canonical`) is a JSON array of every column but the two
 *   addresses. `actor_email` and `target_email` are display copies of what the ids name, and the
 *   one change the application may make (pseudonymising them when an account is deleted) must not
 *   break the chain; the ids are in it.
 * - Order: the insert trigger takes the chain head's row lock (`audit_chain_head`, one row) and only
 *   then draws the record's id, so ids grow in chain order even when transactions commit out of
 *   order. The lock is held to the end of the inserting transaction: audited writes are serialised
 *   on their commit, which costs a fraction of a millisecond each on PostgreSQL.
 * - A retention purge removes records; it leaves one checkpoint (`audit_checkpoints`) per run of
 *   removed records: the id and hash of the last one, sealed with ENCRYPTION_KEY, so the record after
 *   the run still verifies and a forged checkpoint does not.
 * - Anchors (`audit_anchors`): the server seals the head hourly and after each verification. The
 *   chain itself is computed without a secret, so someone who rewrites every hash after a change
 *   could make it hold again; the chain must still pass through every sealed anchor.
 * Records that exist when this runs are chained here, in id order.
 */
export class AuditHashChain1796167000000 implements MigrationInterface {
  name = 'AuditHashChain1796167000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log ADD COLUMN hash bytea`);
    await q.query(`
      CREATE FUNCTION audit_log_canonical(r audit_log) RETURNS bytea
      LANGUAGE sql STABLE AS $$
        SELECT convert_to(jsonb_build_array(
          r.id, to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), r.action,
          r.outcome, r.actor_id, r.target_id, r.ip, r.user_agent, r.request_id,
          r.client_request_id, r.details)::text, 'UTF8')
      $$`);
    await q.query(`
      CREATE TABLE audit_chain_head (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        last_id bigint,
        hash bytea NOT NULL
      )`);
    await q.query(`
      CREATE TABLE audit_checkpoints (
        id bigint PRIMARY KEY,
        hash bytea NOT NULL,
        seal text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE audit_anchors (
        id bigint PRIMARY KEY,
        hash bytea NOT NULL,
        seal text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    await q.query(CHAIN_EXISTING_RECORDS);
    await q.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    await q.query(CHAIN_TRIGGER_FUNCTION);
    await q.query(`
      CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_chain()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS audit_log_chain ON audit_log`);
    await q.query(`DROP FUNCTION IF EXISTS audit_log_chain()`);
    await q.query(`DROP TABLE IF EXISTS audit_anchors`);
    await q.query(`DROP TABLE IF EXISTS audit_checkpoints`);
    await q.query(`DROP TABLE IF EXISTS audit_chain_head`);
    await q.query(`DROP FUNCTION IF EXISTS audit_log_canonical(audit_log)`);
    await q.query(`ALTER TABLE audit_log DROP COLUMN hash`);
  }
}

/**
 * Chains every record in id order and sets the head. Needs the append-only trigger disabled, and
 * the head's own triggers where migration AuditChainGuard has added them (only the table owner
 * can); also used by the tests to rewrite a chain as an administrator could.
 */
export const CHAIN_EXISTING_RECORDS = `
  DO $$
  DECLARE
    r audit_log;
    prev bytea := ''::bytea;
  BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
      prev := sha256(prev || audit_log_canonical(r));
      UPDATE audit_log SET hash = prev WHERE id = r.id;
    END LOOP;
    DELETE FROM audit_chain_head;
    INSERT INTO audit_chain_head (last_id, hash) VALUES ((SELECT max(id) FROM audit_log), prev);
  END
  $$`;

/** The insert trigger's function as this migration makes it (AuditChainGuard's down() too). */
export const CHAIN_TRIGGER_FUNCTION = `
  CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
  LANGUAGE plpgsql AS $$
  DECLARE
    prev bytea;
  BEGIN
    SELECT hash INTO prev FROM audit_chain_head FOR UPDATE;
    NEW.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    NEW.hash := sha256(prev || audit_log_canonical(NEW));
    UPDATE audit_chain_head SET hash = NEW.hash, last_id = NEW.id;
    RETURN NEW;
  END
  $$`;
