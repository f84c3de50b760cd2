import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { AuditChainMonitor } from '../src/audit/audit-chain-monitor';
import { PinoLoggerService } from '../src/common/logging/logger';
import {
  auditIds,
  behindTheTriggers,
  insertAged,
  purgeOlderThanTwoDays,
} from './support/audit-chain';
import { cli } from './support/cli';
import { eventually } from './support/eventually';
import { bearer, createUser, GOOD_PASSWORD, loginToken, uniqueEmail } from './support/factories';
import { sample } from './support/metrics';
import { startApp, TestApp } from './support/test-app';

const onPostgres = !!process.env.DATABASE_URL;
const METRICS_TOKEN = 'metrics-token-for-the-tamper-tests';

/**
 * A role like the application's own: it may read and write every table, and owns none. On
 * PostgreSQL it signs in on a connection of its own; the embedded database has one connection, so
 * there the statement runs under SET LOCAL ROLE (the same privilege checks and triggers).
 */
interface Writer {
  query(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

async function writerRole(t: TestApp): Promise<Writer> {
  const role = `audit_writer_${process.pid}_${randomBytes(3).toString('hex')}`;
  await t.db.query(`CREATE ROLE ${role} ${onPostgres ? 'LOGIN' : 'NOLOGIN'}`);
  await t.db.query(
    `GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO ${role}`,
  );
  await t.db.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
  if (!onPostgres)
    return {
      query: (sql) =>
        t.db.transaction(async (m) => {
          await m.query(`SET LOCAL ROLE ${role}`);
          return m.query(sql);
        }),
      close: async () => {
        await t.db.query(`DROP OWNED BY ${role}`);
        await t.db.query(`DROP ROLE ${role}`);
      },
    };
  const url = new URL(t.env.DATABASE_URL);
  url.username = role;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  const [{ is_superuser }] = (
    await client.query(`SELECT current_setting('is_superuser') AS is_superuser`)
  ).rows;
  expect(is_superuser).toBe('off');
  return {
    query: (sql) => client.query(sql),
    close: async () => {
      await client.end();
      await t.db.query(`DROP OWNED BY ${role}`);
      await t.db.query(`DROP ROLE ${role}`);
    },
  };
}

describe('tamper evidence of the audit chain', () => {
  let t: TestApp;
  let writer: Writer;
  let user: { email: string };

  const asOwner = (sql: string, params: unknown[] = []) => behindTheTriggers(t, sql, params);
  const ids = () => auditIds(t);
  const head = async () =>
    t.db.query('SELECT last_id::text AS last_id, encode(hash, $1) AS hash FROM audit_chain_head', [
      'hex',
    ]);
  const auditVerify = () => cli(t, 'audit-verify');
  const wrongLogin = () =>
    t.http.post('/login').send({ email: uniqueEmail('tamper'), password: 'a wrong password' });
  const ready = async () => (await t.http.get('/health/ready').expect(200)).body;
  const scrape = async () =>
    (await t.http.get('/metrics').set(bearer(METRICS_TOKEN)).expect(200)).text;
  /** How operators restore a missing head (the documented statement), as the owner. */
  const restoreHead = () =>
    asOwner(`INSERT INTO audit_chain_head (last_id, hash)
             SELECT (SELECT max(id) FROM audit_log),
                    coalesce((SELECT hash FROM audit_log WHERE hash IS NOT NULL
                               ORDER BY id DESC LIMIT 1), ''::bytea)`);

  beforeAll(async () => {
    t = await startApp({ METRICS_TOKEN, AUDIT_CHAIN_CHECK_INTERVAL: '1s' });
    user = await createUser(t);
    await loginToken(t, user.email);
    for (let i = 0; i < 3; i++) expect((await wrongLogin()).status).toBe(401);
    writer = await writerRole(t);
  });
  afterAll(async () => {
    await writer?.close();
    await t.destroy();
  });

  it('refuses DELETE, TRUNCATE, INSERT and UPDATE of the chain head to a role that writes rows', async () => {
    const before = await head();
    const refused = /audit_chain_head is written only by the audit chain trigger/;
    await expect(writer.query('DELETE FROM audit_chain_head')).rejects.toThrow(refused);
    await expect(writer.query('TRUNCATE audit_chain_head')).rejects.toThrow(refused);
    await expect(
      writer.query(`UPDATE audit_chain_head SET last_id = last_id + 1, hash = sha256('x')`),
    ).rejects.toThrow(refused);
    await expect(
      writer.query(`INSERT INTO audit_chain_head (one, last_id, hash) VALUES (false, 1, '')`),
    ).rejects.toThrow(refused);
    await expect(writer.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    expect(await head()).toEqual(before);

    // The same role writes records, and they chain.
    await writer.query(
      `INSERT INTO audit_log (action, outcome) VALUES ('tamper_probe', 'success')`,
    );
    const [newest] = await t.db.query(
      `SELECT id::text AS id FROM audit_log WHERE action = 'tamper_probe'`,
    );
    expect(await head()).toEqual([{ last_id: newest.id, hash: expect.any(String) }]);
    expect(await auditVerify()).toMatchObject({ code: 0, stderr: '' });
  });

  it('stores no record without its hash, even with the chain trigger off', async () => {
    const count = (await ids()).length;
    await expect(
      t.db.transaction(async (m) => {
        await m.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain');
        await m.query(`INSERT INTO audit_log (action, outcome) VALUES ('unchained', 'success')`);
      }),
    ).rejects.toThrow(/audit_log_hash_present/);
    expect(await ids()).toHaveLength(count);
  });

  it('refuses a record while the head is missing, and audit-verify names the missing head', async () => {
    const count = (await ids()).length;
    await asOwner('DELETE FROM audit_chain_head');
    await expect(
      writer.query(`INSERT INTO audit_log (action, outcome) VALUES ('past_the_head', 'success')`),
    ).rejects.toThrow(/audit record refused: the audit chain head \(audit_chain_head\) is missing/);
    // The server's own records fail the same way: an action recorded in its own transaction
    // fails with it, a refusal is answered and its record reported lost; none is stored.
    const error = jest.spyOn(t.app.get(PinoLoggerService), 'error');
    try {
      const login = await t.http
        .post('/login')
        .send({ email: user.email, password: GOOD_PASSWORD });
      expect(login.status).toBe(500);
      expect((await wrongLogin()).status).toBe(401);
      expect(error.mock.calls.map(([entry]) => entry)).toContainEqual(
        expect.objectContaining({
          msg: 'audit record lost',
          err: expect.stringContaining('the audit chain head (audit_chain_head) is missing'),
        }),
      );
    } finally {
      error.mockRestore();
    }
    expect(await ids()).toHaveLength(count);
    const missing = await auditVerify();
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('The audit chain is broken: missing head: the chain head');

    await restoreHead();
    expect(await auditVerify()).toMatchObject({ code: 0, stderr: '' });
    expect((await wrongLogin()).status).toBe(401);
    expect(await auditVerify()).toMatchObject({ code: 0 });
  });

  it('finds a changed record in its scheduled check (metrics, readiness, one warning) and audit-verify names it', async () => {
    const monitor = t.app.get(AuditChainMonitor);
    const since = Date.now();
    await eventually(
      async () => monitor.status.state === 'ok' && monitor.status.at! >= since,
      'a check that holds',
    );
    expect(await ready()).toEqual({
      status: 'ok',
      database: 'up',
      migrations: 'current',
      audit_chain: 'ok',
    });
    const warn = jest.spyOn(t.app.get(PinoLoggerService), 'warn');
    try {
      // Not the newest: the record after it chains on the hash it had, and is not reported.
      const [second] = (await ids()).slice(-2);
      const [{ action }] = await t.db.query('SELECT action FROM audit_log WHERE id = $1', [second]);
      await asOwner(`UPDATE audit_log SET action = 'tampered' WHERE id = $1`, [second]);

      // Not called here: the server's 1s schedule finds it.
      const broken = await eventually(async () => {
        const body = await ready();
        return body.audit_chain === 'broken' && body;
      }, 'the scheduled check to find the change');
      expect(broken).toEqual({
        status: 'ok', // a broken chain informs; it does not take the instance out
        database: 'up',
        migrations: 'current',
        audit_chain: 'broken',
        audit_chain_first_bad_id: second,
      });
      const text = await scrape();
      expect(sample(text, 'audit_chain_ok')).toBe(0);
      expect(sample(text, 'audit_chain_breaks', { kind: 'changed_record' })).toBe(1);
      expect(sample(text, 'audit_chain_breaks', { kind: 'id_gap' })).toBe(0);
      const lines = warn.mock.calls.filter(([entry]) =>
        JSON.stringify(entry).includes('audit chain broken'),
      );
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines[0][0]).toMatchObject({
        msg: 'audit chain broken',
        first_bad_id: second,
        kinds: ['changed_record'],
        problem: `audit record ${second} does not match the chain: it was changed`,
      });

      const verify = await auditVerify();
      expect(verify.code).toBe(1);
      expect(verify.stderr).toBe(
        `The audit chain is broken: changed record: audit record ${second} does not match the ` +
          'chain: it was changed.\n',
      );

      await asOwner(`UPDATE audit_log SET action = $2 WHERE id = $1`, [second, action]);
      await eventually(async () => (await ready()).audit_chain === 'ok', 'the chain to hold again');
      expect(sample(await scrape(), 'audit_chain_ok')).toBe(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('holds after a retention purge, and audit-verify then names each kind of break, one line each', async () => {
    // Old records between young ones, so the purge leaves checkpoints inside the chain.
    await insertAged(t, 'tamper_old_a', 2);
    expect((await wrongLogin()).status).toBe(401);
    await insertAged(t, 'tamper_old_b', 2);
    for (let i = 0; i < 6; i++) expect((await wrongLogin()).status).toBe(401);
    expect(await purgeOlderThanTwoDays(t)).toBe(4);
    expect(await auditVerify()).toMatchObject({ code: 0, stderr: '' });
    expect(await t.app.get(AuditChainMonitor).checkNow()).toMatchObject({ state: 'ok' });

    const [firstCheckpoint] = await t.db.query(
      'SELECT id::text AS id FROM audit_checkpoints ORDER BY id LIMIT 1',
    );
    const all = await ids();
    const newest = all.slice(-6);
    // A forged checkpoint, a changed record, a removed one (a gap), records stored without a
    // hash (as a server without the head guard did once its head was deleted), and no head.
    await t.db.query(`UPDATE audit_checkpoints SET hash = sha256('forged') WHERE id = $1`, [
      firstCheckpoint.id,
    ]);
    await asOwner(`UPDATE audit_log SET action = 'rewritten' WHERE id = $1`, [newest[1]]);
    await asOwner('DELETE FROM audit_log WHERE id = $1', [newest[3]]);
    await t.db.transaction(async (m) => {
      await m.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain');
      await m.query('ALTER TABLE audit_log DROP CONSTRAINT audit_log_hash_present');
      await m.query(
        `INSERT INTO audit_log (id, action, outcome)
         SELECT (SELECT last_id FROM audit_chain_head) + g, 'unhashed', 'success'
           FROM generate_series(1, 2) g`,
      );
      await m.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_chain');
    });
    const unhashed = (await ids()).slice(-2);
    await asOwner('DELETE FROM audit_chain_head');

    const report = await auditVerify();
    expect(report.code).toBe(1);
    expect(report.stdout).toBe('');
    const lines = report.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      `The audit chain is broken: purge checkpoint that does not match: checkpoint ${firstCheckpoint.id} ` +
        "is not sealed by this server's key (forged or changed) (1 more like it).",
      `The audit chain is broken: changed record: audit record ${newest[1]} does not match the chain: ` +
        'it was changed.',
      `The audit chain is broken: gap in ids: audit record ${newest[4]} does not chain on record ` +
        `${newest[2]}: the records between them were removed (or ${newest[4]} was changed).`,
      `The audit chain is broken: record without a hash: audit record ${unhashed[0]} has no hash: it ` +
        'was stored while the chain head was missing or the chain trigger was disabled (1 more like it).',
      'The audit chain is broken: missing head: the chain head (audit_chain_head) is missing: no ' +
        'audit record can be written until the database owner restores it.',
    ]);
  });
});

/** Reverts migrations, the newest first, until the one whose class name starts with `name` is undone. */
async function undoThrough(db: DataSource, name: string): Promise<void> {
  for (;;) {
    const [last]: { name: string }[] = await db.query(
      'SELECT name FROM migrations ORDER BY timestamp DESC LIMIT 1',
    );
    await db.undoLastMigration({ transaction: 'each' });
    if (last.name.startsWith(name)) return;
  }
}

describe('the migration that guards the chain, on a database whose head was deleted before it', () => {
  it('gives the head back so records chain again, and leaves the unhashed ones reported', async () => {
    const t = await startApp();
    try {
      await t.http.get('/users/list').expect(401);
      // The schema as it was before the guard, and what a role that writes rows could do to it.
      await undoThrough(t.db, 'AuditChainGuard');
      await t.db.query('DELETE FROM audit_chain_head');
      await t.http.get('/users/list').expect(401);
      await t.http.get('/users/list').expect(401);
      const unhashed: { id: string }[] = await t.db.query(
        'SELECT id::text AS id FROM audit_log WHERE hash IS NULL ORDER BY id',
      );
      expect(unhashed).toHaveLength(2); // the chain had stopped without an error

      await t.db.runMigrations({ transaction: 'each' });
      await t.http.get('/users/list').expect(401);
      const [newest] = await t.db.query(
        'SELECT id::text AS id, hash IS NOT NULL AS hashed FROM audit_log ORDER BY id DESC LIMIT 1',
      );
      expect(newest.hashed).toBe(true);
      const report = await cli(t, 'audit-verify');
      expect(report.code).toBe(1);
      expect(report.stderr).toBe(
        `The audit chain is broken: record without a hash: audit record ${unhashed[0].id} has no ` +
          'hash: it was stored while the chain head was missing or the chain trigger was disabled ' +
          '(1 more like it).\n',
      );
      await expect(t.db.query('DELETE FROM audit_chain_head')).rejects.toThrow(
        /written only by the audit chain trigger/,
      );
    } finally {
      await t.destroy();
    }
  });
});
