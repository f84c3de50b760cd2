import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Trigram indexes for the admin search (`GET /users/list?search=`: a substring of the email, name
 * or surname, `ILIKE '%...%'`), which a b-tree cannot serve. pg_trgm is a trusted extension
 * (PostgreSQL 13+): the database owner, or a role with CREATE on the database, may install it. The
 * embedded database loads PGlite's build of it (src/database/embedded-driver.ts).
 */
export class UserSearchTrigram1732463100000 implements MigrationInterface {
  name = 'UserSearchTrigram1732463100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE INDEX users_email_trgm_idx ON users USING gin (email gin_trgm_ops)`);
    await q.query(`CREATE INDEX users_name_trgm_idx ON users USING gin (name gin_trgm_ops)`);
    await q.query(`CREATE INDEX users_surname_trgm_idx ON users USING gin (surname gin_trgm_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS users_surname_trgm_idx`);
    await q.query(`DROP INDEX IF EXISTS users_name_trgm_idx`);
    await q.query(`DROP INDEX IF EXISTS users_email_trgm_idx`);
    // The extension stays: other objects may have come to use it.
  }
}
