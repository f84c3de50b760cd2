import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The user's language for mail and account pages. No CHECK on the value: the supported locales are
 * the template folders the server ships (and the operator adds), validated where a locale is set, so
 * adding one needs no migration.
 */
export class UserLocale1764618000000 implements MigrationInterface {
  name = 'UserLocale1764618000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN locale varchar(16) NOT NULL DEFAULT 'en'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN locale`);
  }
}
