import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox keeps each mail's locale (rendered at send time, so a retry is in the same language)
 * and until when its code or link works (a failed mail keeps them until then, so an admin can retry
 * it). `user_devices`: the devices (user agent family + /24 or /48 network) each user signed in
 * from, for the new-device notice.
 */
export class MailOutboxAdminAndDevices1796156012245 implements MigrationInterface {
  name = 'MailOutboxAdminAndDevices1796156012245';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mail_outbox ADD COLUMN locale varchar(16) NOT NULL DEFAULT 'en'`);
    await q.query(`ALTER TABLE mail_outbox ADD COLUMN expires_at timestamptz`);
    // Failed mails of before had their code and link dropped: they can no longer be retried.
    await q.query(`UPDATE mail_outbox SET expires_at = now() WHERE status = 'failed'`);
    await q.query(`CREATE INDEX mail_outbox_listing_idx ON mail_outbox (status, id)`);
    await q.query(`CREATE INDEX mail_outbox_to_idx ON mail_outbox (lower(to_address), id)`);
    await q.query(`
      CREATE TABLE user_devices (
        user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        device varchar(200) NOT NULL,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, device)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE user_devices`);
    await q.query(`DROP INDEX mail_outbox_to_idx`);
    await q.query(`DROP INDEX mail_outbox_listing_idx`);
    await q.query(`ALTER TABLE mail_outbox DROP COLUMN expires_at`);
    await q.query(`ALTER TABLE mail_outbox DROP COLUMN locale`);
  }
}
