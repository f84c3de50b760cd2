import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in with another provider. `identities`: an account's links to a provider's subject; one
 * subject of a provider belongs to one account (unique), and an account may have several.
 * `oauth_codes`: the single-use code a provider sign-in hands back to the app, kept as a hash,
 * bound to the app's PKCE `code_challenge` and redeemed by one conditional UPDATE (one winner).
 */
export class Identities1796174000000 implements MigrationInterface {
  name = 'Identities1796174000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE identities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        provider varchar(32) NOT NULL,
        subject varchar(255) NOT NULL,
        email varchar(254),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        CONSTRAINT identities_provider_subject_key UNIQUE (provider, subject)
      )`);
    await q.query(`CREATE INDEX identities_user_id_idx ON identities (user_id)`);
    await q.query(`
      CREATE TABLE oauth_codes (
        code_hash char(64) PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        provider varchar(32) NOT NULL,
        code_challenge varchar(128) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await q.query(`CREATE INDEX oauth_codes_expires_at_idx ON oauth_codes (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE oauth_codes`);
    await q.query(`DROP TABLE identities`);
  }
}
