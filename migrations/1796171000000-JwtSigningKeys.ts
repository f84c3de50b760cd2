import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The keys that sign the JWTs other services verify offline. The private part is sealed by
 * SecretBox (never plain); the public JWK is kept in clear for GET /.well-known/jwks.json. At most
 * one key is current (`retired_at IS NULL`), enforced by a unique index, so instances that make or
 * rotate a key at the same moment end with one winner and all sign with it. A retired key is
 * still published until the tokens it signed have expired.
 */
export class JwtSigningKeys1796171000000 implements MigrationInterface {
  name = 'JwtSigningKeys1796171000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jwt_signing_keys (
        kid varchar(64) PRIMARY KEY,
        alg varchar(16) NOT NULL,
        public_jwk text NOT NULL,
        private_jwk text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX jwt_signing_keys_one_current ON jwt_signing_keys ((retired_at IS NULL))
         WHERE retired_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE jwt_signing_keys`);
  }
}
