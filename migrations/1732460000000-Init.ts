import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole schema the modules share. Emails are stored lower-cased (CHECK) so that one unique index
 * makes them unique case-insensitively. Secrets are stored only as hashes.
 */
export class Init1732460000000 implements MigrationInterface {
  name = 'Init1732460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id bigserial PRIMARY KEY,
        email varchar(254) NOT NULL CHECK (email = lower(email)),
        name varchar(100),
        surname varchar(100),
        role varchar(10) NOT NULL DEFAULT 'user' CHECK (role IN ('root', 'admin', 'user')),
        is_active boolean NOT NULL DEFAULT true,
        is_confirmed boolean NOT NULL DEFAULT false,
        blocked_until timestamptz,
        block_reason varchar(500),
        password_hash varchar(255),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (email)`);
    await q.query(`CREATE INDEX users_created_at_idx ON users (created_at, id)`);
    await q.query(`CREATE INDEX users_last_login_at_idx ON users (last_login_at, id)`);
    await q.query(`CREATE INDEX users_role_idx ON users (role) WHERE role <> 'user'`);
    await q.query(
      `CREATE INDEX users_blocked_until_idx ON users (blocked_until) WHERE blocked_until IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        ip varchar(64),
        user_agent varchar(512)
      )`);
    await q.query(`CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash)`);
    await q.query(
      `CREATE INDEX sessions_user_live_idx ON sessions (user_id) WHERE revoked_at IS NULL`,
    );
    await q.query(`CREATE INDEX sessions_expires_at_idx ON sessions (expires_at)`);

    // Codes (6 digits, found by address + purpose) and link tokens (256 bits, found by hash).
    await q.query(`
      CREATE TABLE one_time_tokens (
        id bigserial PRIMARY KEY,
        user_id bigint REFERENCES users (id) ON DELETE CASCADE,
        email varchar(254) NOT NULL,
        purpose varchar(32) NOT NULL,
        kind varchar(8) NOT NULL CHECK (kind IN ('code', 'link')),
        token_hash char(64) NOT NULL,
        salt char(32),
        attempts integer NOT NULL DEFAULT 0,
        payload jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX one_time_tokens_lookup_idx ON one_time_tokens (email, purpose, kind, created_at DESC)`,
    );
    await q.query(
      `CREATE UNIQUE INDEX one_time_tokens_link_key ON one_time_tokens (token_hash) WHERE kind = 'link'`,
    );
    await q.query(`CREATE INDEX one_time_tokens_expires_at_idx ON one_time_tokens (expires_at)`);

    // Counters that protect accounts (login failures, code failures, resend cooldowns), keyed by
    // e.g. 'login:<email>'; kept in the database so they hold across instances and restarts.
    await q.query(`
      CREATE TABLE rate_limits (
        key varchar(300) PRIMARY KEY,
        hits integer NOT NULL DEFAULT 0,
        window_started_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX rate_limits_updated_at_idx ON rate_limits (updated_at)`);

    await q.query(`
      CREATE TABLE mail_outbox (
        id bigserial PRIMARY KEY,
        to_address varchar(254) NOT NULL,
        template varchar(64) NOT NULL,
        context jsonb NOT NULL DEFAULT '{}'::jsonb,
        status varchar(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        last_error varchar(1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status IN ('pending', 'sending')`,
    );

    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        action varchar(64) NOT NULL,
        outcome varchar(64) NOT NULL,
        actor_id bigint,
        actor_email varchar(254),
        target_id bigint,
        target_email varchar(254),
        ip varchar(64),
        user_agent varchar(512),
        request_id varchar(64),
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(`CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC) WHERE actor_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX audit_log_target_idx ON audit_log (target_id, at DESC) WHERE target_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'audit_log',
      'mail_outbox',
      'rate_limits',
      'one_time_tokens',
      'sessions',
      'users',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
