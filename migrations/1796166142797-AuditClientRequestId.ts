import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The X-Request-Id a client sent, kept beside the server's own `request_id`. Before this, the
 * client's value was stored as the request id, so a client could give its request the id of
 * another one and mix their records. Old rows keep what they have: their `request_id` may be a
 * client's value, which is all that was known.
 */
export class AuditClientRequestId1796166142797 implements MigrationInterface {
  name = 'AuditClientRequestId1796166142797';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log ADD COLUMN client_request_id varchar(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log DROP COLUMN client_request_id`);
  }
}
