import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account deletion keeps the audit history but not the address (docs/security.md):
 * one narrow exception to the append-only trigger. An UPDATE of audit_log passes only inside a
 * transaction that has set (set_config(..., true))
 *   audit.pseudonymise_user   = <id of a user that no longer exists>
 *   audit.pseudonymise_emails = <JSON array of that user's addresses>
 * and only if it changes nothing but actor_email / target_email (every other column, also one
 * added later, compared as JSON), each to exactly
 * 'deleted-user-<id>', and only where that column was the user's (its id is the user's, or it
 * held one of the addresses). Everything else is refused as before. The deletion records how many
 * records it pseudonymised in its own account_delete record, so the exception is audited too.
 * Also an index on one_time_tokens.user_id: deleting a user cascades to its codes, and an email
 * change looks up the user's pending code.
 */
export class AuditPseudonymise1796157602809 implements MigrationInterface {
  name = 'AuditPseudonymise1796157602809';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        cutoff timestamptz;
        uid bigint;
        emails jsonb;
        alias text;
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('audit.allow_purge', true) = 'on' THEN
          cutoff := nullif(current_setting('audit.purge_before', true), '')::timestamptz;
          IF cutoff IS NOT NULL AND cutoff <= now() - interval '1 day' AND OLD.at < cutoff THEN
            RETURN OLD;
          END IF;
        END IF;
        IF TG_OP = 'UPDATE' AND nullif(current_setting('audit.pseudonymise_user', true), '') IS NOT NULL THEN
          uid := current_setting('audit.pseudonymise_user', true)::bigint;
          emails := coalesce(nullif(current_setting('audit.pseudonymise_emails', true), ''), '[]')::jsonb;
          alias := 'deleted-user-' || uid;
          -- Every column but the two addresses stays as it was, including any added later.
          IF NOT EXISTS (SELECT 1 FROM users WHERE id = uid)
             AND (to_jsonb(NEW) - 'actor_email' - 'target_email')
                 = (to_jsonb(OLD) - 'actor_email' - 'target_email')
             AND (NEW.actor_email IS NOT DISTINCT FROM OLD.actor_email
                  OR (NEW.actor_email = alias
                      AND (OLD.actor_id = uid
                           OR OLD.actor_email IN (SELECT jsonb_array_elements_text(emails)))))
             AND (NEW.target_email IS NOT DISTINCT FROM OLD.target_email
                  OR (NEW.target_email = alias
                      AND (OLD.target_id = uid
                           OR OLD.target_email IN (SELECT jsonb_array_elements_text(emails)))))
          THEN
            RETURN NEW;
          END IF;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await q.query(
      `CREATE INDEX one_time_tokens_user_idx ON one_time_tokens (user_id, purpose) WHERE user_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS one_time_tokens_user_idx`);
    // The function as the AuditAppendOnly migration made it.
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
  }
}
