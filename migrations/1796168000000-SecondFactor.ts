import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The second factor. `mfa_totp` holds one TOTP factor per user, its secret sealed by SecretBox
 * (never plain), pending until `confirmed_at` is set; `last_step` is the last time step accepted,
 * moved forward by one conditional UPDATE so a code is accepted once across every instance.
 * Recovery codes are stored only as hashes. `mfa_challenges` are the mfa_tokens between the
 * first and the second factor (hashed like session tokens). `sessions.aal` says which a session passed.
 */
export class SecondFactor1796168000000 implements MigrationInterface {
  name = 'SecondFactor1796168000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE sessions ADD COLUMN aal smallint NOT NULL DEFAULT 1 CHECK (aal IN (1, 2))`,
    );
    await q.query(`
      CREATE TABLE mfa_totp (
        user_id bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        last_step bigint
      )`);
    await q.query(`
      CREATE TABLE mfa_recovery_codes (
        id bigserial PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash char(64) NOT NULL,
        used_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX mfa_recovery_codes_user ON mfa_recovery_codes (user_id, code_hash)`,
    );
    await q.query(`
      CREATE TABLE mfa_challenges (
        token_hash char(64) PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        method varchar(16) NOT NULL,
        stamp char(64) NOT NULL,
        failures integer NOT NULL DEFAULT 0,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX mfa_challenges_user ON mfa_challenges (user_id)`);
    await q.query(`CREATE INDEX mfa_challenges_expires ON mfa_challenges (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mfa_challenges`);
    await q.query(`DROP TABLE mfa_recovery_codes`);
    await q.query(`DROP TABLE mfa_totp`);
    await q.query(`ALTER TABLE sessions DROP COLUMN aal`);
  }
}
