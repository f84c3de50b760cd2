import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The worker claims each endpoint's due deliveries in `(next_attempt_at, id)` order, a few at a
 * time. With an index on `next_attempt_at` alone, PostgreSQL fetched and sorted every due row for
 * each claim (a backlog of 3,000: 85 ms a claim, most of a delivery's cost); on this one it reads
 * an endpoint's first rows and stops.
 */
export class WebhookDueOrder1796175000000 implements MigrationInterface {
  name = 'WebhookDueOrder1796175000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_deliveries_due`);
    await q.query(
      `CREATE INDEX webhook_deliveries_due
         ON webhook_deliveries (endpoint_id, next_attempt_at, id) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_deliveries_due`);
    await q.query(
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
         WHERE status = 'pending'`,
    );
  }
}
