import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Makes audit_log append-only in the database itself: UPDATE, DELETE and TRUNCATE are refused for
 * every client, whatever the application does. The one exception is the retention purge, which
 * deletes inside a transaction that has set (SET LOCAL / set_config(..., true)):
 *   audit.allow_purge = 'on'   and   audit.purge_before = <cutoff>
 * and even then only rows older than the cutoff, and only a cutoff at least a day in the past
 * (the shortest AUDIT_RETENTION), so no path deletes a record younger than a day.
 * A superuser or the table owner can still drop or disable the trigger: this guards against the
 * application and its bugs, not against the database administrator.
 */
export class AuditAppendOnly1732463000000 implements MigrationInterface {
  name = 'AuditAppendOnly1732463000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        cutoff timestamptz;
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('audit.allow_purge', true) = 'on' THEN
          cutoff := nullif(current_setting('audit.purge_before', true), '')::timestamptz;
          IF cutoff IS NOT NULL AND cutoff <= now() - interval '1 day' AND OLD.at < cutoff THEN
            RETURN OLD;
          END IF;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_log_append_only
      BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_log_no_truncate
      BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log`);
    await q.query(`DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log`);
    await q.query(`DROP FUNCTION IF EXISTS audit_log_append_only()`);
  }
}
