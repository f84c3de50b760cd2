import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Login attempts in flight per address. An attempt reserves a place before its password check and
 * gives it back when the check ends: a right password forgets it, a wrong one turns it into a
 * failure. So parallel guesses cannot all pass before any is counted, while parallel right
 * passwords are never refused for failures that did not happen. `in_flight_until` bounds a
 * reservation whose process died before giving it back.
 */
export class LoginReservations1796165741748 implements MigrationInterface {
  name = 'LoginReservations1796165741748';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rate_limits ADD COLUMN in_flight integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE rate_limits ADD COLUMN in_flight_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rate_limits DROP COLUMN in_flight_until`);
    await q.query(`ALTER TABLE rate_limits DROP COLUMN in_flight`);
  }
}
