import { Controller, Get, Module } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { createHmac } from 'node:crypto';
import { AuditRecord } from '../src/audit/audit-record.entity';
import { AdminOnly } from '../src/common/decorators/admin-only.decorator';
import { SessionPurgeService } from '../src/sessions/session-purge.service';
import { User } from '../src/users/user.entity';
import { UsersRepository } from '../src/users/users.repository';
import { bearer, createUser, GOOD_PASSWORD, loginToken, uniqueEmail } from './support/factories';
import { startApp, TestApp } from './support/test-app';

/** A test-only admin route, to check AdminGuard behind the global AuthGuard. */
@Controller('test-only')
class AdminProbeController {
  @AdminOnly()
  @Get('admin')
  admin() {
    return { ok: true };
  }
}

@Module({ controllers: [AdminProbeController] })
class AdminProbeModule {}

describe('login, sessions and token validation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({}, undefined, [AdminProbeModule]);
  });
  afterAll(() => t.destroy());

  const audits = (action: string, targetEmail: string) =>
    t.db.getRepository(AuditRecord).find({ where: { action, targetEmail }, order: { id: 'ASC' } });
  // Through the server's own write path, which publishes the change (as every write must: on the
  // embedded database the server's checks are answered from memory kept exact by those events).
  const setUser = (id: string, fields: Partial<User>) =>
    t.app.get(UsersRepository).update(id, fields);

  describe('POST /login', () => {
    it('answers a token, its type, expiry and session id, not to be cached', async () => {
      const u = await createUser(t);
      const before = Date.now();
      const res = await t.http.post('/login').set('User-Agent', 'jest-agent').send({
        email: u.email.toUpperCase(),
        password: GOOD_PASSWORD,
      });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Object.keys(res.body).sort()).toEqual([
        'expires_at',
        'session_id',
        'token',
        'token_type',
      ]);
      expect(res.body.token_type).toBe('Bearer');
      expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
      const ttl = Date.parse(res.body.expires_at) - before;
      expect(ttl).toBeGreaterThan(8 * 3600_000 - 60_000);
      expect(ttl).toBeLessThanOrEqual(8 * 3600_000 + 60_000);
      expect(res.headers['set-cookie']).toBeUndefined();

      const stored = await t.db.query(
        `SELECT token_hash, ip, user_agent FROM sessions WHERE id = $1`,
        [res.body.session_id],
      );
      expect(stored[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored[0].token_hash).not.toContain(res.body.token);
      expect(stored[0].user_agent).toBe('jest-agent');
      const user = await t.db.getRepository(User).findOneByOrFail({ id: u.id });
      expect(user.lastLoginAt).toBeInstanceOf(Date);
      const [rec] = await audits('login', u.email);
      expect(rec).toMatchObject({ outcome: 'success', actorId: u.id, targetId: u.id });
      expect(JSON.stringify(rec)).not.toContain(res.body.token);
      expect(JSON.stringify(rec)).not.toContain(GOOD_PASSWORD);
    });

    it('answers an unknown email and a wrong password alike: 401 invalid_credentials', async () => {
      const u = await createUser(t);
      const wrong = await t.http
        .post('/login')
        .send({ email: u.email, password: 'not it at all!!' });
      const unknown = await t.http
        .post('/login')
        .send({ email: uniqueEmail('ghost'), password: 'not it at all!!' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body).toMatchObject({ code: 'invalid_credentials', error: 'Unauthorized' });
      // A 401 names its challenge (RFC 9110), the same for both.
      expect(wrong.headers['www-authenticate']).toBe('Bearer');
      expect(unknown.headers['www-authenticate']).toBe('Bearer');
      const [rec] = await audits('login', u.email);
      expect(rec.outcome).toBe('invalid_credentials');
      expect(JSON.stringify(rec)).not.toContain('not it at all');
    });

    it('refuses a missing field, a wrong type or an unknown field with 400', async () => {
      for (const body of [
        { email: 'a@example.com' },
        { email: 'not-an-email', password: 'x' },
        { email: 'a@example.com', password: 12 },
        { email: 'a@example.com', password: 'x', role: 'root' },
      ]) {
        const res = await t.http.post('/login').send(body);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('validation_failed');
      }
    });

    it('never lets two passwords that share their first 72 bytes both log in', async () => {
      const prefix = 'é'.repeat(36); // 72 bytes of UTF-8
      const u = await createUser(t, { password: `${prefix} first ending` });
      const other = await t.http
        .post('/login')
        .send({ email: u.email, password: `${prefix} other ending` });
      expect(other.status).toBe(401);
      await loginToken(t, u.email, `${prefix} first ending`);
    });

    it('answers 403 email_not_confirmed only with the right password', async () => {
      const u = await createUser(t, { isConfirmed: false });
      const right = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
      expect(right.status).toBe(403);
      expect(right.body.code).toBe('email_not_confirmed');
      const wrong = await t.http
        .post('/login')
        .send({ email: u.email, password: 'wrong password 1' });
      expect(wrong.status).toBe(401);
      expect(await t.db.query(`SELECT 1 FROM sessions WHERE user_id = $1`, [u.id])).toHaveLength(0);
    });

    it('answers a blocked user 401 invalid_credentials even with the right password', async () => {
      const u = await createUser(t, { isActive: false });
      const res = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
      const until = await createUser(t, {
        isActive: false,
        blockedUntil: new Date(Date.now() + 3600_000),
      });
      const blocked = await t.http
        .post('/login')
        .send({ email: until.email, password: GOOD_PASSWORD });
      expect(blocked.status).toBe(401);
    });

    it('lets a user in again once blocked_until has passed', async () => {
      const u = await createUser(t, { isActive: false, blockedUntil: new Date(Date.now() - 1000) });
      const token = await loginToken(t, u.email);
      expect((await t.http.get('/validate_token').set(bearer(token))).status).toBe(200);
    });

    it('rehashes an old-format or old-cost hash at login', async () => {
      const legacy = await createUser(t, { password: null });
      await setUser(legacy.id, { passwordHash: await bcrypt.hash(GOOD_PASSWORD, 10) });
      // Our format at cost 11 (the app runs at BCRYPT_COST=10).
      const stronger = await createUser(t, { password: null });
      const pre = createHmac('sha384', '').update(GOOD_PASSWORD).digest('base64');
      await setUser(stronger.id, { passwordHash: '$pb1$' + (await bcrypt.hash(pre, 11)) });

      for (const u of [legacy, stronger]) {
        await loginToken(t, u.email);
        const [row] = await t.db.query(`SELECT password_hash FROM users WHERE id = $1`, [u.id]);
        expect(row.password_hash).toMatch(/^\$pb1\$\$2b\$10\$/);
        await loginToken(t, u.email); // and the new hash works
      }
    });
  });

  describe('GET /validate_token', () => {
    it('answers the user and the session, not to be cached', async () => {
      const u = await createUser(t, { name: 'Ada', surname: 'Lovelace' });
      const login = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
      const res = await t.http.get('/validate_token').set(bearer(login.body.token));
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({
        id: Number(u.id),
        email: u.email,
        name: 'Ada',
        surname: 'Lovelace',
        role: 'user',
        is_active: true,
        is_confirmed: true,
        session: { id: login.body.session_id, expires_at: login.body.expires_at },
      });
      expect(typeof res.body.last_login_at).toBe('string');
      expect(JSON.stringify(res.body)).not.toMatch(/hash|password|token/i);
    });

    it('answers 401 invalid_token for a missing, malformed or unknown token', async () => {
      const u = await createUser(t);
      const token = await loginToken(t, u.email);
      const cases: Record<string, string>[] = [
        {},
        { Authorization: '' },
        { Authorization: `Basic ${token}` },
        { Authorization: 'Bearer' },
        { Authorization: 'Bearer not-a-token' },
        { Authorization: `Bearer ${token}x` },
        { Authorization: `Bearer ${'A'.repeat(43)}` },
        { Authorization: `Bearer ${token.slice(0, 42)}'` },
        { Cookie: `__Host-session=${token}` }, // cookie mode is off
      ];
      for (const headers of cases) {
        const res = await t.http.get('/validate_token').set(headers);
        expect({ headers, status: res.status, code: res.body.code }).toEqual({
          headers,
          status: 401,
          code: 'invalid_token',
        });
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['www-authenticate']).toBe('Bearer');
      }
    });

    it('never takes the token from the query string', async () => {
      const u = await createUser(t);
      const token = await loginToken(t, u.email);
      for (const q of ['token', 'access_token', 'authorization']) {
        const res = await t.http.get(`/validate_token?${q}=${token}`);
        expect(res.status).toBe(401);
      }
    });

    it('refuses the token of a user blocked after login on the very next request', async () => {
      const u = await createUser(t);
      const token = await loginToken(t, u.email);
      await setUser(u.id, { isActive: false });
      expect((await t.http.get('/validate_token').set(bearer(token))).status).toBe(401);
      // A block that has run out lets the same session through again (it was not revoked).
      await setUser(u.id, { blockedUntil: new Date(Date.now() - 1000) });
      expect((await t.http.get('/validate_token').set(bearer(token))).status).toBe(200);
    });

    it('shows a role change on the very next request', async () => {
      const u = await createUser(t);
      const token = await loginToken(t, u.email);
      expect((await t.http.get('/test-only/admin').set(bearer(token))).status).toBe(403);
      await setUser(u.id, { role: 'admin' });
      const res = await t.http.get('/validate_token').set(bearer(token));
      expect(res.body.role).toBe('admin');
      expect((await t.http.get('/test-only/admin').set(bearer(token))).status).toBe(200);
      expect((await t.http.get('/test-only/admin')).status).toBe(401);
    });

    it('refuses a revoked session', async () => {
      const u = await createUser(t);
      const token = await loginToken(t, u.email);
      await t.db.query(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1`, [u.id]);
      expect((await t.http.get('/validate_token').set(bearer(token))).status).toBe(401);
    });
  });

  describe('logout and the session list', () => {
    it('POST /logout ends only this session', async () => {
      const u = await createUser(t);
      const [a, b] = [await loginToken(t, u.email), await loginToken(t, u.email)];
      const res = await t.http.post('/logout').set(bearer(a));
      expect(res.status).toBe(204);
      expect((await t.http.get('/validate_token').set(bearer(a))).status).toBe(401);
      expect((await t.http.get('/validate_token').set(bearer(b))).status).toBe(200);
      expect((await t.http.post('/logout').set(bearer(a))).status).toBe(401);
      expect((await audits('logout', u.email))[0].outcome).toBe('success');
    });

    it('POST /logout/all ends every session of the user, and only theirs', async () => {
      const u = await createUser(t);
      const other = await createUser(t);
      const tokens = [await loginToken(t, u.email), await loginToken(t, u.email)];
      const others = await loginToken(t, other.email);
      expect((await t.http.post('/logout/all').set(bearer(tokens[0]))).status).toBe(204);
      for (const token of tokens) {
        expect((await t.http.get('/validate_token').set(bearer(token))).status).toBe(401);
      }
      expect((await t.http.get('/validate_token').set(bearer(others))).status).toBe(200);
      expect((await audits('logout_all', u.email))[0].details).toEqual({ sessions_revoked: 2 });
    });

    it('GET /sessions lists the live sessions and marks the current one', async () => {
      const u = await createUser(t);
      const first = await t.http
        .post('/login')
        .set('User-Agent', 'phone')
        .send({ email: u.email, password: GOOD_PASSWORD });
      const second = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
      const ended = await loginToken(t, u.email);
      await t.http.post('/logout').set(bearer(ended));

      const res = await t.http.get('/sessions').set(bearer(second.body.token));
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.sessions).toHaveLength(2);
      const byId = Object.fromEntries(res.body.sessions.map((s: { id: string }) => [s.id, s]));
      expect(byId[second.body.session_id].current).toBe(true);
      expect(byId[first.body.session_id]).toMatchObject({ current: false, user_agent: 'phone' });
      expect(Object.keys(byId[first.body.session_id]).sort()).toEqual([
        'created_at',
        'current',
        'expires_at',
        'id',
        'ip',
        'last_seen_at',
        'user_agent',
      ]);
      expect((await t.http.get('/sessions')).status).toBe(401);
    });

    it("DELETE /sessions/:id ends one own session; another user's is 404", async () => {
      const u = await createUser(t);
      const other = await createUser(t);
      const mine = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
      const spare = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
      const theirs = await t.http
        .post('/login')
        .send({ email: other.email, password: GOOD_PASSWORD });
      const del = (id: string) => t.http.delete(`/sessions/${id}`).set(bearer(mine.body.token));

      const notFound = await del(theirs.body.session_id);
      expect(notFound.status).toBe(404);
      expect(notFound.body.code).toBe('session_not_found');
      expect((await t.http.get('/validate_token').set(bearer(theirs.body.token))).status).toBe(200);
      expect((await del('00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await del('not-a-uuid')).status).toBe(404);

      expect((await del(spare.body.session_id)).status).toBe(204);
      expect((await t.http.get('/validate_token').set(bearer(spare.body.token))).status).toBe(401);
      expect((await del(spare.body.session_id)).status).toBe(404);
      const records = await audits('session_revoke', u.email);
      expect(records.filter((r) => r.outcome === 'success').map((r) => r.details)).toEqual([
        expect.objectContaining({ session_id: spare.body.session_id }),
      ]);
      // The refusals too, with the id only where it was one.
      expect(
        records.filter((r) => r.outcome === 'session_not_found').map((r) => r.details),
      ).toEqual([
        { session_id: theirs.body.session_id },
        { session_id: '00000000-0000-4000-8000-000000000000' },
        {},
        { session_id: spare.body.session_id },
      ]);
    });
  });

  describe('PUT /password', () => {
    it('changes the password and ends every other session', async () => {
      const u = await createUser(t);
      const current = await loginToken(t, u.email);
      const otherSession = await loginToken(t, u.email);
      const newPassword = 'seven silver swans swimming south';
      const res = await t.http
        .put('/password')
        .set(bearer(current))
        .send({ current_password: GOOD_PASSWORD, new_password: newPassword });
      expect(res.status).toBe(204);
      expect((await t.http.get('/validate_token').set(bearer(current))).status).toBe(200);
      expect((await t.http.get('/validate_token').set(bearer(otherSession))).status).toBe(401);
      const old = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
      expect(old.status).toBe(401);
      await loginToken(t, u.email, newPassword);
      const [rec] = await audits('password_change', u.email);
      expect(rec).toMatchObject({ outcome: 'success', details: { sessions_revoked: 1 } });
      expect(JSON.stringify(rec)).not.toMatch(/swans|elephants/);
    });

    it('refuses a wrong current password, a weak new one and unknown fields', async () => {
      const u = await createUser(t);
      const token = await loginToken(t, u.email);
      const put = (body: object) => t.http.put('/password').set(bearer(token)).send(body);
      const wrong = await put({
        current_password: 'not my password',
        new_password: 'seven silver swans swimming south',
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('invalid_current_password');
      const weak = await put({ current_password: GOOD_PASSWORD, new_password: 'short' });
      expect(weak.status).toBe(400);
      expect(weak.body.code).toBe('weak_password');
      const common = await put({
        current_password: GOOD_PASSWORD,
        new_password: 'passwordpassword',
      });
      expect(common.body.code).toBe('weak_password');
      const extra = await put({
        current_password: GOOD_PASSWORD,
        new_password: 'seven silver swans swimming south',
        role: 'root',
      });
      expect(extra.status).toBe(400);
      expect(extra.body.code).toBe('validation_failed');
      expect((await t.http.put('/password').send({})).status).toBe(401);
      await loginToken(t, u.email); // unchanged
    });
  });

  describe('the per-address login throttle', () => {
    const attempt = (email: string, password = 'a wrong password') =>
      t.http.post('/login').send({ email, password });
    /**
     * Retry-After is the whole seconds left of a wait that began at the failure which set it. A
     * slow machine can only shorten it, by the time between `since` (taken just before that
     * failure) and the answer; it must never be longer than the wait, nor shorter than that.
     */
    const expectWait = (res: { headers: Record<string, string> }, wait: number, since: number) => {
      const left = Number(res.headers['retry-after']);
      expect(left).toBeLessThanOrEqual(wait);
      expect(left).toBeGreaterThanOrEqual(wait - Math.floor((Date.now() - since) / 1000));
    };

    it('answers known and unknown addresses identically, and lets the right password in after the wait', async () => {
      const known = await createUser(t);
      const unknown = uniqueEmail('nobody');
      // Each address's 429 right after its fifth failure; the wait is timed from that failure.
      const fiveFailuresThenOneMore = async (email: string) => {
        for (let i = 0; i < 4; i++) expect((await attempt(email)).status).toBe(401);
        const since = Date.now();
        expect((await attempt(email)).status).toBe(401);
        return { res: await attempt(email), since };
      };
      const { res: a, since: aSince } = await fiveFailuresThenOneMore(known.email);
      const { res: b, since: bSince } = await fiveFailuresThenOneMore(unknown);
      expect(a.status).toBe(429);
      expect(b.status).toBe(429);
      expect(a.body).toEqual(b.body);
      expect(a.body.code).toBe('too_many_attempts');
      expectWait(a, 30, aSince);
      expectWait(b, 30, bSince);

      // During the wait even the right password is refused, in the same way.
      const right = await attempt(known.email, GOOD_PASSWORD);
      expect(right.status).toBe(429);
      expect(right.body).toEqual(a.body);

      // Once the wait is over, a failure makes the next wait longer, for both alike.
      const expire = (email: string) =>
        t.db.query(
          `UPDATE rate_limits SET locked_until = now() - interval '1 second' WHERE key = $1`,
          [`login:${email}`],
        );
      await expire(known.email);
      await expire(unknown);
      const a2Since = Date.now();
      expect((await attempt(known.email)).status).toBe(401);
      const a2 = await attempt(known.email);
      const b2Since = Date.now();
      expect((await attempt(unknown)).status).toBe(401);
      const b2 = await attempt(unknown);
      expectWait(a2, 60, a2Since);
      expectWait(b2, 60, b2Since);

      // The right password works (from any address) when the wait is over, and clears the count.
      await expire(known.email);
      await loginToken(t, known.email);
      expect((await attempt(known.email)).status).toBe(401);
    });

    it('counts a burst of parallel guesses before any is checked, so only five get through', async () => {
      const u = await createUser(t);
      const answers = await Promise.all(Array.from({ length: 12 }, () => attempt(u.email)));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(7);
      const [denied] = await t.db.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'login'
           AND outcome = 'too_many_attempts' AND target_email = $1`,
        [u.email],
      );
      expect(denied.n).toBe(7);
    });

    it('lets sixteen parallel logins with the right password all in', async () => {
      const u = await createUser(t);
      const answers = await Promise.all(
        Array.from({ length: 16 }, () => attempt(u.email, GOOD_PASSWORD)),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(16).fill(200));
      expect(new Set(answers.map((a) => a.body.token)).size).toBe(16);
      const [row] = await t.db.query(
        'SELECT hits, locked_until, in_flight FROM rate_limits WHERE key = $1',
        [`login:${u.email}`],
      );
      expect(row).toMatchObject({ hits: 0, locked_until: null, in_flight: 0 });
    });

    it('after four failures, still lets parallel right passwords in (no failure is invented)', async () => {
      const u = await createUser(t);
      for (let i = 0; i < 4; i++) expect((await attempt(u.email)).status).toBe(401);
      const answers = await Promise.all(
        Array.from({ length: 16 }, () => attempt(u.email, GOOD_PASSWORD)),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(16).fill(200));
    });

    it('gives twenty parallel wrong guesses exactly five checks, then 429 for the failures that happened', async () => {
      const u = await createUser(t);
      const answers = await Promise.all(Array.from({ length: 20 }, () => attempt(u.email)));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
      for (const a of answers.filter((x) => x.status === 429)) {
        expect(a.body.code).toBe('too_many_attempts');
        expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
      }
      const [failed] = await t.db.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'login'
           AND outcome = 'invalid_credentials' AND target_email = $1`,
        [u.email],
      );
      expect(failed.n).toBe(5);
    });

    it('with right and wrong passwords mixed in parallel, never answers 429 before five failures', async () => {
      const u = await createUser(t);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          attempt(u.email, i % 3 === 0 ? 'a wrong password' : GOOD_PASSWORD),
        ),
      );
      // Four wrong guesses among twelve: never five failures, so never a 429.
      expect(answers.filter((a) => a.status === 429)).toHaveLength(0);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(8);
    });

    it('keeps the wait growing to 15 minutes for a patient guesser, and forgets after a quiet window', async () => {
      const u = await createUser(t);
      const key = `login:${u.email}`;
      for (let i = 0; i < 5; i++) await attempt(u.email);
      // Nine failures, the first twenty minutes ago; the last wait has just ended.
      await t.db.query(
        `UPDATE rate_limits SET hits = 9, window_started_at = now() - interval '20 minutes',
                locked_until = now() - interval '1 second' WHERE key = $1`,
        [key],
      );
      const since = Date.now();
      expect((await attempt(u.email)).status).toBe(401);
      expectWait(await attempt(u.email), 900, since);

      // Fifteen quiet minutes after the end of the wait: the count starts again.
      await t.db.query(
        `UPDATE rate_limits SET locked_until = now() - interval '15 minutes 1 second' WHERE key = $1`,
        [key],
      );
      for (let i = 0; i < 4; i++) expect((await attempt(u.email)).status).toBe(401);
      const [row] = await t.db.query('SELECT hits, locked_until FROM rate_limits WHERE key = $1', [
        key,
      ]);
      expect(row).toMatchObject({ hits: 4, locked_until: null });
    });

    it('counts wrong current passwords of PUT /password toward the throttle', async () => {
      const u = await createUser(t);
      const token = await loginToken(t, u.email);
      for (let i = 0; i < 5; i++) {
        await t.http
          .put('/password')
          .set(bearer(token))
          .send({ current_password: 'wrong wrong wrong', new_password: 'x'.repeat(5) + 'yz' });
      }
      expect((await attempt(u.email, GOOD_PASSWORD)).status).toBe(429);
    });
  });

  describe('public routes', () => {
    it('keeps /health, /docs and /docs-json public and everything else behind a session', async () => {
      expect((await t.http.get('/health')).status).toBe(200);
      expect((await t.http.get('/docs-json')).status).toBe(200);
      const docs = await t.http.get('/docs/');
      expect(docs.status).toBe(200);
      for (const [method, path] of [
        ['get', '/validate_token'],
        ['post', '/logout'],
        ['post', '/logout/all'],
        ['get', '/sessions'],
        ['delete', '/sessions/00000000-0000-4000-8000-000000000000'],
        ['put', '/password'],
      ] as const) {
        const res = await t.http[method](path);
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
      }
    });

    it('documents the routes in OpenAPI', async () => {
      const doc = (await t.http.get('/docs-json')).body;
      for (const path of [
        '/login',
        '/validate_token',
        '/logout',
        '/logout/all',
        '/sessions',
        '/sessions/{id}',
        '/password',
      ]) {
        expect(doc.paths[path]).toBeDefined();
      }
    });
  });

  describe('clean-up', () => {
    it('purges sessions that ended more than a day ago and keeps the rest', async () => {
      const u = await createUser(t);
      const live = await loginToken(t, u.email);
      const old = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
      const recent = await t.http.post('/login').send({ email: u.email, password: GOOD_PASSWORD });
      await t.db.query(
        `UPDATE sessions SET revoked_at = now() - interval '25 hours' WHERE id = $1`,
        [old.body.session_id],
      );
      await t.db.query(`UPDATE sessions SET revoked_at = now() - interval '1 hour' WHERE id = $1`, [
        recent.body.session_id,
      ]);
      await t.app.get(SessionPurgeService).purgeNow();
      const ids = (await t.db.query(`SELECT id FROM sessions WHERE user_id = $1`, [u.id])).map(
        (r: { id: string }) => r.id,
      );
      expect(ids).not.toContain(old.body.session_id);
      expect(ids).toContain(recent.body.session_id);
      expect((await t.http.get('/validate_token').set(bearer(live))).status).toBe(200);
    });
  });
});
