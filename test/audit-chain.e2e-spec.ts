import { CHAIN_EXISTING_RECORDS } from '../migrations/1796167000000-AuditHashChain';
import { AuditChain } from '../src/audit/audit-chain';
import { AuditChainMonitor } from '../src/audit/audit-chain-monitor';
import {
  auditIds,
  behindTheTriggers,
  insertAged,
  purgeOlderThanTwoDays,
} from './support/audit-chain';
import { cli } from './support/cli';
import { createUser, loginToken, uniqueEmail } from './support/factories';
import { startApp, TestApp } from './support/test-app';

/** `npm run cli -- audit-verify`, in process on the test app. */
const auditVerify = (t: TestApp) => cli(t, 'audit-verify');

describe('the audit hash chain and audit-verify', () => {
  let t: TestApp;

  const behindTheTrigger = (sql: string, params: unknown[] = []) =>
    behindTheTriggers(t, sql, params);
  const ids = () => auditIds(t);
  /** Computes every hash again, as the migration does for records that predate the chain. */
  const rechain = () => behindTheTrigger(CHAIN_EXISTING_RECORDS);
  /** The verification alone; the CLI command also anchors the head after a success. */
  const check = () => t.app.get(AuditChain).verify();

  beforeAll(async () => {
    t = await startApp();
    const u = await createUser(t);
    await loginToken(t, u.email);
    await t.http.post('/login').send({ email: u.email, password: 'a wrong password' }).expect(401);
    await t.http.get('/users/list').expect(401);
  });
  afterAll(() => t.destroy());

  it('holds for records written by the server, also when written in parallel', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.http.post('/login').send({ email: uniqueEmail(`par${i}`), password: 'wrong password' }),
      ),
    );
    expect(answers.every((a) => a.status === 401)).toBe(true);
    const rows = await t.db.query('SELECT hash FROM audit_log');
    expect(rows.length).toBeGreaterThanOrEqual(15);
    expect(rows.every((r: { hash: Buffer | null }) => r.hash?.length === 32)).toBe(true);
    const report = await auditVerify(t);
    expect(report).toMatchObject({ code: 0, stderr: '' });
    expect(report.stdout).toContain(`holds: ${rows.length} records, 0 checkpoints, 0 anchors`);
    expect(await t.db.query('SELECT count(*)::int AS n FROM audit_anchors')).toEqual([{ n: 1 }]);
    await t.db.query('DELETE FROM audit_anchors'); // anchors are a later test's subject
  });

  it('names a record changed behind the trigger, and holds again once it is put back', async () => {
    const [, second, third] = await ids();
    const [before] = await t.db.query('SELECT outcome FROM audit_log WHERE id = $1', [second]);
    await behindTheTrigger(`UPDATE audit_log SET outcome = 'success' WHERE id = $1`, [second]);
    const broken = await auditVerify(t);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`audit record ${second} does not match the chain`);
    expect(await t.db.query('SELECT * FROM audit_anchors')).toEqual([]);
    await behindTheTrigger(`UPDATE audit_log SET outcome = $2 WHERE id = $1`, [
      second,
      before.outcome,
    ]);
    expect(await check()).toMatchObject({ ok: true });

    await behindTheTrigger(`UPDATE audit_log SET details = '{"x": 1}' WHERE id = $1`, [third]);
    expect(await check()).toMatchObject({ ok: false, firstBadId: third });
    await rechain(); // the migration's code: with no anchor yet, a full rewrite holds
    expect(await check()).toMatchObject({ ok: true });
  });

  it('names the record after one that was removed, and notices removed newest records', async () => {
    const all = await ids();
    await behindTheTrigger('DELETE FROM audit_log WHERE id = $1', [all[3]]);
    expect(await check()).toMatchObject({
      ok: false,
      firstBadId: all[4],
      breaks: [{ kind: 'id_gap', recordId: all[4], count: 1 }],
    });
    await rechain();

    const newest = (await ids()).at(-1)!;
    await behindTheTrigger('DELETE FROM audit_log WHERE id = $1', [newest]);
    expect(await check()).toMatchObject({
      ok: false,
      breaks: [
        {
          kind: 'head_mismatch',
          problem: expect.stringContaining(`head is at ${newest}: newest records were removed`),
        },
      ],
    });
    await rechain();
    expect(await check()).toMatchObject({ ok: true });
  });

  it('keeps holding when addresses are pseudonymised (they are outside the chain)', async () => {
    const [first] = await ids();
    await behindTheTrigger(
      `UPDATE audit_log SET actor_email = 'deleted-user-1', target_email = 'deleted-user-1'
        WHERE id = $1`,
      [first],
    );
    expect(await check()).toMatchObject({ ok: true });
  });

  it('passes through every sealed anchor, so rewriting all hashes after a change shows', async () => {
    expect((await auditVerify(t)).code).toBe(0); // anchors the head
    const [anchor] = await t.db.query('SELECT id::text AS id FROM audit_anchors');
    const [, second] = await ids();
    const [before] = await t.db.query('SELECT action FROM audit_log WHERE id = $1', [second]);
    await behindTheTrigger(`UPDATE audit_log SET action = 'nothing' WHERE id = $1`, [second]);
    await rechain(); // every hash made to fit the change
    expect(await check()).toMatchObject({ ok: false, firstBadId: anchor.id });
    const cli = await auditVerify(t);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`audit record ${anchor.id} is not the one sealed in its anchor`);

    await behindTheTrigger(`UPDATE audit_log SET action = $2 WHERE id = $1`, [
      second,
      before.action,
    ]);
    await rechain();
    expect(await check()).toMatchObject({ ok: true, anchors: 1 });
    await t.db.query(`UPDATE audit_anchors SET hash = sha256('forged')`);
    expect(await check()).toMatchObject({ ok: false, breaks: [{ kind: 'anchor_mismatch' }] });
    await t.db.query('DELETE FROM audit_anchors');
  });

  it('still holds after a retention purge, through sealed checkpoints that cannot be forged', async () => {
    // Old records between young ones, so the purge leaves several runs.
    const aged = (action: string) => insertAged(t, action, 3);
    await aged('chain_old_a');
    await t.http.get('/users/list').expect(401);
    await aged('chain_old_b');
    await t.http.get('/users/list').expect(401);
    await aged('chain_old_tail');
    expect(await purgeOlderThanTwoDays(t)).toBe(9);
    const checkpoints = await t.db.query('SELECT id::text AS id FROM audit_checkpoints');
    expect(checkpoints).toHaveLength(3);
    expect(await check()).toMatchObject({ ok: true, checkpoints: 3 });

    // A record written after the purged tail chains on from it.
    await t.http.get('/users/list').expect(401);
    expect(await check()).toMatchObject({ ok: true });
    expect(await auditVerify(t)).toMatchObject({ code: 0, stderr: '' });
    // The server's bounded check holds too, wherever its window starts among the checkpoints.
    const total = (await ids()).length;
    for (let newest = 1; newest <= total + 1; newest++)
      expect(await t.app.get(AuditChain).verify({ newest })).toMatchObject({ ok: true });
    expect(await t.app.get(AuditChainMonitor).checkNow()).toMatchObject({ state: 'ok' });

    await t.db.query(`UPDATE audit_checkpoints SET hash = sha256('forged') WHERE id = $1`, [
      checkpoints[1].id,
    ]);
    expect(await check()).toMatchObject({
      ok: false,
      breaks: [
        {
          kind: 'checkpoint_mismatch',
          problem: `checkpoint ${checkpoints[1].id} is not sealed by this server's key (forged or changed)`,
        },
      ],
    });
  });
});
