import { Body, Controller, Get, Module, NotFoundException, Param, Put } from '@nestjs/common';
import { IsBoolean, IsOptional, IsString } from 'class-validator';
import { AuditRepository, AuditRow } from '../src/audit/audit.repository';
import { AuditRetentionService } from '../src/audit/audit-retention.service';
import { AuditContext } from '../src/audit/audit-context';
import { Audit, AuditCtx } from '../src/audit/audit.decorator';
import { AppError } from '../src/common/errors';
import { startApp, TestApp } from './support/test-app';
import { createUser, loginToken } from './support/factories';

class ProbeUpdateDto {
  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsBoolean()
  conflict?: boolean;
}

/** Test-only audited routes, to check what the AuditInterceptor writes for success and failure. */
@Controller('test-audit')
class AuditProbeController {
  @Put('users/:id')
  @Audit('probe_update')
  update(
    @Param('id') id: string,
    @Body() body: ProbeUpdateDto,
    @AuditCtx() audit: AuditContext,
  ): { ok: true } {
    // DTO instances carry every declared field (ES2022 class fields), so only the given ones count.
    const given = Object.entries(body).filter(([, v]) => v !== undefined);
    audit.setTarget({ id, email: `user${id}@example.com` }).changed(given.map(([k]) => k));
    audit.addDetails({ password: 'never-logged', reason: 'probe' });
    if (body.conflict) throw new AppError(409, 'user_exists', 'Taken');
    return { ok: true };
  }

  @Get('forbidden')
  @Audit('probe_forbidden')
  forbidden(): never {
    throw new AppError(403, 'forbidden', 'Not for you');
  }

  @Get('missing')
  @Audit('probe_missing')
  missing(): never {
    throw new NotFoundException();
  }

  @Get('boom')
  @Audit('probe_boom')
  boom(): never {
    throw new Error('unexpected');
  }
}

@Module({ controllers: [AuditProbeController] })
class AuditProbeModule {}

/** A raw audit_log row, as the database gives it (`at` a Date, no cursor). */
type Row = Omit<AuditRow, 'at' | 'cursor_at'> & { at: Date };

// Bearer headers of real sessions, filled in beforeAll. On a fresh database the root from the
// environment is user 1, then the admin 2 and the plain user 3: the assertions use those ids.
const ROOT: Record<string, string> = {};
const ADMIN: Record<string, string> = {};
const PLAIN: Record<string, string> = {};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ROOT_ENV = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'audit test root password' };

describe('the audit log', () => {
  let t: TestApp;
  const byRequest = async (requestId: string): Promise<Row[]> =>
    t.db.query('SELECT * FROM audit_log WHERE client_request_id = $1 ORDER BY id', [requestId]);

  beforeAll(async () => {
    t = await startApp(ROOT_ENV, undefined, [AuditProbeModule]);
    ROOT.Authorization = `Bearer ${await loginToken(t, ROOT_ENV.ADMIN_EMAIL, ROOT_ENV.ADMIN_PASSWORD)}`;
    for (const [headers, email, role] of [
      [ADMIN, 'admin@example.com', 'admin'],
      [PLAIN, 'plain@example.com', 'user'],
    ] as const) {
      const u = await createUser(t, { email, role });
      headers.Authorization = `Bearer ${await loginToken(t, u.email, u.password)}`;
    }
  });
  afterAll(() => t.destroy());

  describe('the AuditInterceptor', () => {
    it("keeps the client's X-Request-Id beside an id of its own, so a client cannot reuse one", async () => {
      const send = () =>
        t.http
          .put('/test-audit/users/42')
          .set(ADMIN)
          .set('X-Request-Id', 'reused-id')
          .send({ name: 'Ada' })
          .expect(200);
      const answers = [await send(), await send()];
      const recs = await byRequest('reused-id');
      expect(recs).toHaveLength(2);
      const ours = answers.map((a) => a.headers['x-request-id']);
      expect(ours[0]).toMatch(UUID);
      expect(ours[1]).toMatch(UUID);
      expect(ours[0]).not.toBe(ours[1]);
      expect(recs.map((r) => r.request_id)).toEqual(ours);
      // An unsafe value is not kept at all; the request still gets its own id.
      const bad = await t.http
        .put('/test-audit/users/42')
        .set(ADMIN)
        .set('X-Request-Id', 'has spaces; and more')
        .send({ name: 'Ada' })
        .expect(200);
      const [rec] = await t.db.query('SELECT * FROM audit_log WHERE request_id = $1', [
        bad.headers['x-request-id'],
      ]);
      expect(rec).toMatchObject({ action: 'probe_update', client_request_id: null });
    });

    it('records a success with every field, naming changed fields but no secret', async () => {
      await t.http
        .put('/test-audit/users/42')
        .set(ADMIN)
        .set('X-Request-Id', 'audit-ok-1')
        .set('User-Agent', 'probe-agent/1.0')
        .send({ name: 'Ada' })
        .expect(200);
      const [rec, ...more] = await byRequest('audit-ok-1');
      expect(more).toHaveLength(0);
      expect(rec).toMatchObject({
        action: 'probe_update',
        outcome: 'success',
        actor_id: '2',
        actor_email: 'admin@example.com',
        target_id: '42',
        target_email: 'user42@example.com',
        user_agent: 'probe-agent/1.0',
        client_request_id: 'audit-ok-1',
        request_id: expect.stringMatching(UUID),
        details: { changed: ['name'], password: '[redacted]', reason: 'probe' },
      });
      expect(rec.ip).toMatch(/127\.0\.0\.1|::1/);
      expect(Math.abs(new Date(rec.at).getTime() - Date.now())).toBeLessThan(60_000);
      expect(JSON.stringify(rec)).not.toContain('never-logged');
    });

    it('records a failure with the error code the client got', async () => {
      const res = await t.http
        .put('/test-audit/users/43')
        .set(ROOT)
        .set('X-Request-Id', 'audit-fail-1')
        .send({ conflict: true })
        .expect(409);
      expect(res.body.code).toBe('user_exists');
      expect(await byRequest('audit-fail-1')).toMatchObject([
        {
          action: 'probe_update',
          outcome: 'user_exists',
          actor_id: '1',
          target_id: '43',
          details: { changed: ['conflict'] },
        },
      ]);
    });

    it('maps plain HTTP exceptions and unexpected errors like the error filter does', async () => {
      await t.http
        .get('/test-audit/missing')
        .set(ROOT)
        .set('X-Request-Id', 'audit-404')
        .expect(404);
      await t.http.get('/test-audit/boom').set(ROOT).set('X-Request-Id', 'audit-500').expect(500);
      expect(await byRequest('audit-404')).toMatchObject([
        { action: 'probe_missing', outcome: 'not_found' },
      ]);
      expect(await byRequest('audit-500')).toMatchObject([
        { action: 'probe_boom', outcome: 'internal_error' },
      ]);
    });

    it('records a 403 from the handler once, under the route action', async () => {
      await t.http
        .get('/test-audit/forbidden')
        .set(PLAIN)
        .set('X-Request-Id', 'audit-403h')
        .expect(403);
      expect(await byRequest('audit-403h')).toMatchObject([
        { action: 'probe_forbidden', outcome: 'forbidden', actor_id: '3' },
      ]);
    });

    it('records a refusal by a global guard before the interceptor as access_denied', async () => {
      await t.http
        .put('/test-audit/users/44')
        .set('X-Request-Id', 'audit-401g')
        .send({})
        .expect(401);
      expect(await byRequest('audit-401g')).toMatchObject([
        {
          action: 'access_denied',
          outcome: 'invalid_token',
          actor_id: null,
          details: { route_action: 'probe_update', method: 'PUT', path: '/test-audit/users/44' },
        },
      ]);
    });

    it('records nothing for routes that are neither audited nor admin-only', async () => {
      await t.http.get('/health').set('X-Request-Id', 'audit-none').expect(200);
      await t.http.get('/no/such/route').set('X-Request-Id', 'audit-none-404').expect(404);
      expect(await byRequest('audit-none')).toEqual([]);
      expect(await byRequest('audit-none-404')).toEqual([]);
    });
  });

  describe('an admin route', () => {
    it('records 401 without a session as access_denied', async () => {
      const res = await t.http.get('/users/actions').set('X-Request-Id', 'deny-401').expect(401);
      expect(res.body.code).toBe('invalid_token');
      expect(await byRequest('deny-401')).toMatchObject([
        {
          action: 'access_denied',
          outcome: 'invalid_token',
          actor_id: null,
          details: { method: 'GET', path: '/users/actions' },
        },
      ]);
    });

    it('records 403 for a user as access_denied with the actor', async () => {
      await t.http
        .get('/users/actions/export')
        .set(PLAIN)
        .set('X-Request-Id', 'deny-403')
        .expect(403);
      expect(await byRequest('deny-403')).toMatchObject([
        {
          action: 'access_denied',
          outcome: 'forbidden',
          actor_id: '3',
          actor_email: 'plain@example.com',
          details: { route_action: 'audit_export', path: '/users/actions/export' },
        },
      ]);
    });
  });

  describe('the table', () => {
    it('refuses UPDATE, DELETE and TRUNCATE', async () => {
      await t.http.get('/users/actions').set('X-Request-Id', 'immutable').expect(401);
      const [rec] = await byRequest('immutable');
      await expect(
        t.db.query(`UPDATE audit_log SET outcome = 'success' WHERE id = $1`, [rec.id]),
      ).rejects.toThrow(/append-only/);
      await expect(t.db.query(`DELETE FROM audit_log WHERE id = $1`, [rec.id])).rejects.toThrow(
        /append-only/,
      );
      await expect(t.db.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
      expect(await byRequest('immutable')).toMatchObject([{ outcome: 'invalid_token' }]);
    });

    it('refuses a purge of records younger than a day, even with the purge settings', async () => {
      await t.http.get('/users/actions').set('X-Request-Id', 'young').expect(401);
      const attempt = (cutoffSql: string) =>
        t.db.transaction(async (m) => {
          await m.query(`SELECT set_config('audit.allow_purge', 'on', true)`);
          await m.query(`SELECT set_config('audit.purge_before', (${cutoffSql})::text, true)`);
          await m.query(`DELETE FROM audit_log WHERE client_request_id = 'young'`);
        });
      await expect(attempt(`now() + interval '1 hour'`)).rejects.toThrow(/append-only/);
      await expect(attempt(`now() - interval '2 days'`)).rejects.toThrow(/append-only/);
      expect(await byRequest('young')).toHaveLength(1);
    });
  });

  describe('retention', () => {
    const insertAged = (action: string, age: string) =>
      t.db.query(
        `INSERT INTO audit_log (at, action, outcome) SELECT now() - $2::interval, $1, 'success'
         FROM generate_series(1, 3)`,
        [action, age],
      );
    const countOf = async (action: string) =>
      Number(
        (await t.db.query(`SELECT count(*) AS n FROM audit_log WHERE action = $1`, [action]))[0].n,
      );

    it('keeps everything when AUDIT_RETENTION is unset', async () => {
      await insertAged('ret_ancient', '400 days');
      expect(await t.app.get(AuditRetentionService).purgeExpired()).toBe(0);
      expect(await countOf('ret_ancient')).toBe(3);
    });

    it('deletes only records older than the retention, even when instances purge at once', async () => {
      await insertAged('ret_old', '3 days');
      await insertAged('ret_recent', '1 day');
      const twoDays = new AuditRetentionService(
        { retentionMs: 2 * 86_400_000 },
        t.app.get(AuditRepository),
      );
      const counts = await Promise.all([twoDays.purgeExpired(), twoDays.purgeExpired()]);
      expect(counts[0] + counts[1]).toBe(6); // ret_old and ret_ancient; no error, none twice
      expect(await countOf('ret_old')).toBe(0);
      expect(await countOf('ret_ancient')).toBe(0);
      expect(await countOf('ret_recent')).toBe(3);
      expect(await twoDays.purgeExpired()).toBe(0);
    });
  });
});
