import { AuditRepository } from '../src/audit/audit.repository';
import { EXPORT_CHUNK } from '../src/audit/audit-history.service';
import { parseCsv } from './support/csv';
import { startApp, TestApp } from './support/test-app';
import { createUser, loginToken } from './support/factories';

/** GET /users/actions and its export, called by an admin with a real session. */
const ADMIN: Record<string, string> = {};
let adminId = '';

interface Seed {
  at: Date;
  action: string;
  outcome: string;
  actor_id: number;
  target_id: number;
}

const BASE = Date.now() - 3_600_000; // an hour ago: well inside any retention
const SEED: Seed[] = Array.from({ length: 40 }, (_, i) => ({
  // Records 20 and 21 share one instant: the id must break the tie.
  at: new Date(BASE + (i === 21 ? 20 : i) * 60_000),
  action: ['seed_login', 'seed_update', 'seed_block'][i % 3],
  outcome: i % 4 === 0 ? 'invalid_credentials' : 'success',
  actor_id: 9000 + (i % 5),
  target_id: i % 6 === 0 ? 9001 : 9100 + (i % 7),
}));

/** Newest first, ties broken by the higher id (inserted later). */
const expected = (pred: (s: Seed, i: number) => boolean): number[] =>
  SEED.map((s, i) => ({ s, i }))
    .filter(({ s, i }) => pred(s, i))
    .sort((a, b) => b.s.at.getTime() - a.s.at.getTime() || b.i - a.i)
    .map(({ i }) => i);

describe('the action history', () => {
  let t: TestApp;
  let ids: number[]; // SEED index -> record id

  const get = (query: Record<string, string | number>) =>
    t.http.get('/users/actions').query(query).set(ADMIN);
  const indexes = (records: { id: number }[]) => records.map((r) => ids.indexOf(r.id));

  beforeAll(async () => {
    t = await startApp();
    const admin = await createUser(t, { email: 'admin@example.com', role: 'admin' });
    adminId = admin.id;
    ADMIN.Authorization = `Bearer ${await loginToken(t, admin.email, admin.password)}`;
    const params: unknown[] = [];
    const values = SEED.map((s) => {
      params.push(s.at.toISOString(), s.action, s.outcome, s.actor_id, s.target_id);
      const n = params.length;
      return `($${n - 4}::timestamptz, $${n - 3}, $${n - 2}, $${n - 1}, 'actor@example.com', $${n}, 'target@example.com', '10.0.0.1', 'seed-agent', 'seed-req', 'seed-client-req', '{"k": 1}'::jsonb)`;
    });
    const rows: { id: string }[] = await t.db.query(
      `INSERT INTO audit_log (at, action, outcome, actor_id, actor_email, target_id, target_email,
         ip, user_agent, request_id, client_request_id, details) VALUES ${values.join(', ')} RETURNING id`,
      params,
    );
    ids = rows.map((r) => Number(r.id));
  });
  afterAll(() => t.destroy());

  it('answers a page with every field of a record', async () => {
    const res = await get({ actions: 'seed_login,seed_update,seed_block', per_page: 1 }).expect(
      200,
    );
    expect(res.body).toMatchObject({ total_count: 40, page: 1, per_page: 1 });
    const i = expected(() => true)[0];
    expect(res.body.records).toEqual([
      {
        id: ids[i],
        at: SEED[i].at.toISOString(),
        action: SEED[i].action,
        outcome: SEED[i].outcome,
        actor_id: SEED[i].actor_id,
        actor_email: 'actor@example.com',
        target_id: SEED[i].target_id,
        target_email: 'target@example.com',
        ip: '10.0.0.1',
        user_agent: 'seed-agent',
        request_id: 'seed-req',
        client_request_id: 'seed-client-req',
        details: { k: 1 },
      },
    ]);
  });

  it('filters by users, as actor or as target', async () => {
    const res = await get({ users: '9001,9102', per_page: 100 }).expect(200);
    const want = expected(
      (s) => [9001, 9102].includes(s.actor_id) || [9001, 9102].includes(s.target_id),
    );
    expect(indexes(res.body.records)).toEqual(want);
    expect(res.body.total_count).toBe(want.length);
    expect(want.some((i) => SEED[i].actor_id !== 9001 && SEED[i].target_id === 9001)).toBe(true);
  });

  it('filters by actions, time range (to the second) and outcome together', async () => {
    const from = new Date(BASE + 10 * 60_000 + 30_000).toISOString(); // between records 10 and 11
    const to = new Date(BASE + 30 * 60_000).toISOString(); // record 30 included
    const res = await get({
      actions: 'seed_login,seed_block',
      from,
      to,
      outcome: 'success',
      per_page: 100,
    }).expect(200);
    const want = expected(
      (s) =>
        s.action !== 'seed_update' &&
        s.at.toISOString() >= from &&
        s.at.toISOString() <= to &&
        s.outcome === 'success',
    );
    expect(want.length).toBeGreaterThan(3);
    expect(indexes(res.body.records)).toEqual(want);
    const offset = await get({
      actions: 'seed_login,seed_block',
      from: from.replace('Z', '+00:00'),
      to: new Date(BASE + 30 * 60_000 + 7_200_000).toISOString().replace('Z', '+02:00'),
      outcome: 'success',
      per_page: 100,
    }).expect(200);
    expect(indexes(offset.body.records)).toEqual(want);
  });

  it('pages newest first without overlaps or gaps, with the total count', async () => {
    const seen: number[] = [];
    for (let page = 1; page <= 6; page++) {
      const res = await get({ users: '9000,9001,9002,9003,9004', page, per_page: 7 }).expect(200);
      expect(res.body).toMatchObject({
        total_count: 40,
        total_count_exact: true,
        page,
        per_page: 7,
      });
      expect(res.body.records.length).toBe(page < 6 ? 7 : 5);
      seen.push(...indexes(res.body.records));
    }
    expect(seen).toEqual(expected(() => true));
    expect(seen.indexOf(21)).toBe(seen.indexOf(20) - 1); // same instant: higher id first
    const past = await get({ users: '9000', page: 50 }).expect(200);
    expect(past.body.records).toEqual([]);
  });

  it('defaults to 15 per page', async () => {
    const res = await get({ actions: 'seed_login,seed_update,seed_block' }).expect(200);
    expect(res.body).toMatchObject({ page: 1, per_page: 15, total_count: 40 });
    expect(res.body.records).toHaveLength(15);
  });

  it.each([
    ['users', 'abc'],
    ['users', '1,,2'],
    ['users', "1' OR '1'='1"],
    ['users', '12345678901234567890'],
    ['actions', 'login;DROP TABLE audit_log'],
    ['actions', 'Login'],
    ['outcome', '%'],
    ['from', '2024-13-01'],
    ['from', '2024-02-30'],
    ['from', 'yesterday'],
    ['from', '2024-05-01T10:00:00'],
    ['to', '1714557600'],
    ['page', '0'],
    ['page', 'x'],
    ['page', '668'], // starts past the 10,000th match (LIST_COUNT_LIMIT)
    ['per_page', '0'],
    ['per_page', '101'],
    ['per_page', '1.5'],
    ['sort', 'at'],
  ])('refuses %s=%s with 400 validation_failed', async (name, value) => {
    const res = await get({ [name]: value }).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'validation_failed' });
  });

  it('refuses from after to', async () => {
    const res = await get({ from: '2024-05-02', to: '2024-05-01T23:00:00Z' }).expect(400);
    expect(res.body.code).toBe('validation_failed');
  });

  it('takes a date alone as a whole UTC day', async () => {
    const day = new Date(BASE).toISOString().slice(0, 10);
    const res = await get({ actions: 'seed_login', from: day, to: day, per_page: 100 }).expect(200);
    const want = expected(
      (s) => s.action === 'seed_login' && s.at.toISOString().slice(0, 10) === day,
    );
    expect(indexes(res.body.records)).toEqual(want);
  });

  describe('export', () => {
    const BULK = EXPORT_CHUNK * 2 + 500;

    beforeAll(async () => {
      // More records than two chunks, many of them at the same instant, with awkward texts.
      await t.db.query(
        `INSERT INTO audit_log (at, action, outcome, actor_id, actor_email, user_agent, details)
         SELECT now() - (g / 3) * interval '1 second', 'bulk_export', 'success', g,
                CASE WHEN g % 2 = 0 THEN '=cmd|'' /C calc''!A0' ELSE 'a@example.com' END,
                'agent, "quoted"' || chr(10) || 'second line', jsonb_build_object('n', g)
         FROM generate_series(1, $1::int) AS g`,
        [BULK],
      );
    });

    const download = (query: Record<string, string>) =>
      t.http
        .get('/users/actions/export')
        .query(query)
        .set(ADMIN)
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => done(null, text));
        });

    it('streams the filtered records as CSV, chunk by chunk, escaped and formula-safe', async () => {
      const chunks = jest.spyOn(t.app.get(AuditRepository), 'findChunk');
      const res = await download({ actions: 'bulk_export', format: 'csv' }).expect(200);
      expect(chunks).toHaveBeenCalledTimes(3);
      chunks.mockRestore();
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="audit-log-.*\.csv"$/,
      );

      const [header, ...rows] = parseCsv(res.body as string);
      expect(header).toEqual([
        'id',
        'at',
        'action',
        'outcome',
        'actor_id',
        'actor_email',
        'target_id',
        'target_email',
        'ip',
        'user_agent',
        'request_id',
        'client_request_id',
        'details',
      ]);
      expect(rows).toHaveLength(BULK);
      const api = await get({ actions: 'bulk_export', per_page: 100 }).expect(200);
      expect(rows.slice(0, 100).map((r) => Number(r[0]))).toEqual(
        api.body.records.map((r: { id: number }) => r.id),
      );
      expect(new Set(rows.map((r) => r[0])).size).toBe(BULK);
      const even = rows.find((r) => Number(r[4]) % 2 === 0)!;
      expect(even[5]).toBe("'=cmd|' /C calc'!A0");
      expect(even[9]).toBe('agent, "quoted"\nsecond line');
      expect(JSON.parse(even[12])).toEqual({ n: Number(even[4]) });
    });

    it('streams the same records as NDJSON', async () => {
      const res = await download({ actions: 'bulk_export', format: 'ndjson' }).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
      const lines = (res.body as string)
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(BULK);
      const api = await get({ actions: 'bulk_export', page: 2, per_page: 100 }).expect(200);
      expect(lines.slice(100, 200)).toEqual(api.body.records);
      expect(lines[0]).toMatchObject({ action: 'bulk_export', actor_email: expect.any(String) });
    });

    it('applies the filters of the list', async () => {
      const res = await download({ users: '9001', format: 'ndjson' }).expect(200);
      const lines = (res.body as string)
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      const want = expected((s) => s.actor_id === 9001 || s.target_id === 9001);
      expect(lines.map((r: { id: number }) => ids.indexOf(r.id))).toEqual(want);
    });

    it('answers an empty selection with the header only, and records who exported', async () => {
      const res = await download({ actions: 'nothing_here' })
        .set('X-Request-Id', 'export-req')
        .expect(200);
      expect(res.body).toBe(
        'id,at,action,outcome,actor_id,actor_email,target_id,target_email,ip,user_agent,request_id,client_request_id,details\r\n',
      );
      const [rec] = await t.db.query(
        `SELECT * FROM audit_log WHERE client_request_id = 'export-req'`,
      );
      expect(rec).toMatchObject({
        action: 'audit_export',
        outcome: 'success',
        actor_id: adminId,
        details: { format: 'csv', filter: { actions: 'nothing_here' } },
      });
    });

    it('refuses an unknown format', async () => {
      const res = await download({ format: 'xlsx' }).expect(400);
      expect(res.body).toContain('validation_failed');
    });
  });
});
