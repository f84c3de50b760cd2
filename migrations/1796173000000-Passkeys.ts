import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Passkeys (WebAuthn). `passkeys` holds each credential's public key (COSE), its signature counter
 * and what the authenticator said of it; `credential_id` (base64url) is unique across users, so one
 * authenticator credential belongs to one account. `passkey_user_handles` gives each user one
 * random WebAuthn user handle (never the id or the address), kept for as long as the account.
 * `webauthn_challenges` are the ceremonies' challenges: single use (taken with DELETE ... RETURNING),
 * five minutes, bound to the session that asked (enrolment) or the mfa_token (second factor).
 */
export class Passkeys1796173000000 implements MigrationInterface {
  name = 'Passkeys1796173000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE passkey_user_handles (
        user_id bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        handle varchar(64) NOT NULL UNIQUE
      )`);
    await q.query(`
      CREATE TABLE passkeys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        credential_id varchar(1400) NOT NULL UNIQUE,
        public_key bytea NOT NULL,
        counter bigint NOT NULL DEFAULT 0,
        transports text[] NOT NULL DEFAULT '{}',
        backed_up boolean NOT NULL DEFAULT false,
        device_type varchar(16) NOT NULL,
        name varchar(100) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz
      )`);
    await q.query(`CREATE INDEX passkeys_user ON passkeys (user_id, created_at)`);
    await q.query(`
      CREATE TABLE webauthn_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        purpose varchar(16) NOT NULL CHECK (purpose IN ('register', 'login', 'mfa')),
        challenge varchar(128) NOT NULL,
        user_id bigint REFERENCES users(id) ON DELETE CASCADE,
        session_id uuid,
        binding char(64),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX webauthn_challenges_expires ON webauthn_challenges (expires_at)`);
    await q.query(
      `CREATE INDEX webauthn_challenges_binding ON webauthn_challenges (binding) WHERE binding IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webauthn_challenges`);
    await q.query(`DROP TABLE passkeys`);
    await q.query(`DROP TABLE passkey_user_handles`);
  }
}
