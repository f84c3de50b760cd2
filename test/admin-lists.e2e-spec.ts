import { createUser, loginToken } from './support/factories';
import { startApp, TestApp } from './support/test-app';

/**
 * The admin lists' bounds (`LIST_COUNT_LIMIT`), made small here so that a handful of rows crosses
 * them: `total_count` is exact up to the limit and says so, pages start within it, the export is
 * never cut. Also the null placement of the last-login sorts, which an index now yields.
 */
const LIMIT = 5;

describe('admin lists: counted up to LIST_COUNT_LIMIT, paged within it', () => {
  let t: TestApp;
  let auth: { Authorization: string };

  const users = (query: Record<string, string | number>) =>
    t.http.get('/users/list').query(query).set(auth);
  const actions = (query: Record<string, string | number>) =>
    t.http.get('/users/actions').query(query).set(auth);

  /** `n` audit records of one action, a second apart, newest last. */
  async function records(action: string, n: number): Promise<void> {
    await t.db.query(
      `INSERT INTO audit_log (at, action, outcome, actor_id, target_id)
       SELECT now() - (g * interval '1 second'), $1, 'success', 1, 1 FROM generate_series(1, $2) g`,
      [action, n],
    );
  }

  beforeAll(async () => {
    t = await startApp({ LIST_COUNT_LIMIT: String(LIMIT) });
    const admin = await createUser(t, { role: 'admin', email: 'lists-admin@example.com' });
    auth = { Authorization: `Bearer ${await loginToken(t, admin.email, admin.password)}` };
    for (let i = 0; i < 8; i++) {
      await createUser(t, { email: `above${i}@lists.example.com`, password: null });
    }
    for (let i = 0; i < LIMIT; i++) {
      await createUser(t, { email: `exactly${i}@lists.example.com`, password: null });
    }
    for (let i = 0; i < 3; i++) {
      await createUser(t, { email: `below${i}@lists.example.com`, password: null });
    }
    await records('seed_above', 8);
    await records('seed_exactly', LIMIT);
    await records('seed_below', 3);
  });
  afterAll(() => t.destroy());

  describe('GET /users/list', () => {
    it('counts exactly below the limit and at it', async () => {
      const below = await users({ search: 'below' }).expect(200);
      expect(below.body).toMatchObject({ total_count: 3, total_count_exact: true });
      expect(below.body.users).toHaveLength(3);
      const full = await users({ search: 'exactly', per_page: 2 }).expect(200);
      expect(full.body).toMatchObject({ total_count: LIMIT, total_count_exact: true });
      const none = await users({ search: 'nobody-matches-this' }).expect(200);
      expect(none.body).toMatchObject({ users: [], total_count: 0, total_count_exact: true });
    });

    it('stops counting at the limit and says the count is not exact', async () => {
      const res = await users({ search: 'above', per_page: 2 }).expect(200);
      expect(res.body).toMatchObject({ total_count: LIMIT, total_count_exact: false });
      expect(res.body.users).toHaveLength(2);
      // One page holding every match still reports the capped count.
      const whole = await users({ search: 'above', per_page: 100 }).expect(200);
      expect(whole.body.users).toHaveLength(8);
      expect(whole.body).toMatchObject({ total_count: LIMIT, total_count_exact: false });
    });

    it('counts exactly past the last page too', async () => {
      const past = await users({ search: 'below', per_page: 2, page: 3 }).expect(200);
      expect(past.body).toMatchObject({ users: [], total_count: 3, total_count_exact: true });
    });

    it('serves pages that start within the limit and refuses the ones after', async () => {
      const last = await users({ search: 'above', per_page: 2, page: 3 }).expect(200);
      expect(last.body.users).toHaveLength(2); // rows 5 and 6: the page starts at row 5
      const beyond = await users({ search: 'above', per_page: 2, page: 4 }).expect(400);
      expect(beyond.body).toMatchObject({ statusCode: 400, code: 'validation_failed' });
      expect(beyond.body.message).toEqual([expect.stringContaining('page must be at most 3')]);
    });
  });

  it('counts a broad filter once per LIST_OVER_CAP_MS, a narrow one on every page', async () => {
    // Rows removed behind the server's back: only a fresh count would see them.
    for (let i = 0; i < 7; i++) {
      await createUser(t, { email: `broad${i}@memory.example.com`, password: null });
      if (i < 3) await createUser(t, { email: `narrow${i}@memory.example.com`, password: null });
    }
    const broad = () => users({ search: 'broad', per_page: 2 }).expect(200);
    const narrow = () => users({ search: 'narrow', per_page: 2 }).expect(200);
    expect((await broad()).body).toMatchObject({ total_count: LIMIT, total_count_exact: false });
    expect((await narrow()).body).toMatchObject({ total_count: 3, total_count_exact: true });
    await t.db.query(
      `DELETE FROM users WHERE email LIKE 'broad%@memory.example.com' AND email NOT IN
       ('broad0@memory.example.com', 'broad1@memory.example.com', 'broad2@memory.example.com')`,
    );
    await t.db.query(`DELETE FROM users WHERE email = 'narrow2@memory.example.com'`);
    // The broad filter was remembered as "more than LIMIT" (not counted again); the narrow one was.
    expect((await broad()).body).toMatchObject({ total_count: LIMIT, total_count_exact: false });
    expect((await narrow()).body).toMatchObject({ total_count: 2, total_count_exact: true });
  });

  describe('GET /users/actions', () => {
    it('counts exactly below the limit and at it', async () => {
      const below = await actions({ actions: 'seed_below' }).expect(200);
      expect(below.body).toMatchObject({ total_count: 3, total_count_exact: true });
      const full = await actions({ actions: 'seed_exactly', per_page: 2 }).expect(200);
      expect(full.body).toMatchObject({ total_count: LIMIT, total_count_exact: true });
    });

    it('stops counting at the limit and says the count is not exact', async () => {
      const res = await actions({ actions: 'seed_above', per_page: 2 }).expect(200);
      expect(res.body).toMatchObject({ total_count: LIMIT, total_count_exact: false });
      expect(res.body.records).toHaveLength(2);
    });

    it('serves pages that start within the limit and refuses the ones after', async () => {
      await actions({ actions: 'seed_above', per_page: 2, page: 3 }).expect(200);
      const beyond = await actions({ actions: 'seed_above', per_page: 2, page: 4 }).expect(400);
      expect(beyond.body).toMatchObject({ statusCode: 400, code: 'validation_failed' });
    });

    it('still exports every matching record', async () => {
      const res = await t.http
        .get('/users/actions/export')
        .query({ actions: 'seed_above', format: 'ndjson' })
        .set(auth)
        .buffer(true)
        .parse((r, done) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString()));
          r.on('end', () => done(null, text));
        })
        .expect(200);
      const lines = (res.body as string).split('\n').filter(Boolean);
      expect(lines).toHaveLength(8);
    });
  });

  it('sorts by last login with users who never signed in as the oldest', async () => {
    const day = 86_400_000;
    const never = await createUser(t, { email: 'never@login.example.com', password: null });
    const old = await createUser(t, {
      email: 'old@login.example.com',
      password: null,
      lastLoginAt: new Date(Date.now() - 2 * day),
    });
    const recent = await createUser(t, {
      email: 'recent@login.example.com',
      password: null,
      lastLoginAt: new Date(Date.now() - day),
    });
    const ids = (res: { body: { users: { id: number }[] } }) => res.body.users.map((u) => u.id);
    const desc = await users({ search: '@login.example', sort: '-last_login_at' }).expect(200);
    expect(ids(desc)).toEqual([recent.id, old.id, never.id].map(Number));
    const asc = await users({ search: '@login.example', sort: 'last_login_at' }).expect(200);
    expect(ids(asc)).toEqual([never.id, old.id, recent.id].map(Number));
  });
});
