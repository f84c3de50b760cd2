import { AuditRepository } from '../../src/audit/audit.repository';
import { AuditRetentionService } from '../../src/audit/audit-retention.service';
import type { TestApp } from './test-app';

/**
 * What the table owner or a superuser can do and an application's role cannot: run `sql` with the
 * audit log's append-only trigger and the chain head's guard switched off.
 */
export const behindTheTriggers = (t: TestApp, sql: string, params: unknown[] = []) =>
  t.db.transaction(async (m) => {
    await m.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    await m.query('ALTER TABLE audit_chain_head DISABLE TRIGGER USER');
    await m.query(sql, params);
    await m.query('ALTER TABLE audit_chain_head ENABLE TRIGGER USER');
    await m.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
  });

/** Every audit record's id, oldest first. */
export const auditIds = async (t: TestApp): Promise<string[]> =>
  (await t.db.query('SELECT a.id::text AS id FROM audit_log a ORDER BY a.id')).map(
    (r: { id: string }) => r.id,
  );

/** `rows` records of `action` dated three days back, chained like any other. */
export const insertAged = (t: TestApp, action: string, rows: number) =>
  t.db.query(
    `INSERT INTO audit_log (at, action, outcome) SELECT now() - interval '3 days', $1, 'success'
       FROM generate_series(1, $2::int)`,
    [action, rows],
  );

/** The retention purge as it runs with AUDIT_RETENTION=2d; how many records it removed. */
export const purgeOlderThanTwoDays = (t: TestApp) =>
  new AuditRetentionService(
    { retentionMs: 2 * 86_400_000 },
    t.app.get(AuditRepository),
  ).purgeExpired();
