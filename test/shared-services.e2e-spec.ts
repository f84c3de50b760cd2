import { AuditRecord } from '../src/audit/audit-record.entity';
import { AuditService } from '../src/audit/audit.service';
import { RateLimitService } from '../src/common/rate-limit/rate-limit.service';
import { RateLimitModule } from '../src/common/rate-limit/rate-limit.module';
import { msInterval } from '../src/database/sql';
import { startApp, TestApp } from './support/test-app';

describe('shared services', () => {
  let t: TestApp;
  let limits: RateLimitService;

  beforeAll(async () => {
    t = await startApp({}, undefined, [RateLimitModule]);
    limits = t.app.get(RateLimitService);
  });
  afterAll(() => t.destroy());

  /**
   * Lets `ms` pass for these counters without waiting: every time they hold moves that far into
   * the past, as the database's clock moving on would leave them.
   */
  const age = (keys: string[], ms: number) =>
    t.db.query(
      `UPDATE rate_limits SET window_started_at = window_started_at - ${msInterval('$2')},
              updated_at = updated_at - ${msInterval('$2')},
              locked_until = locked_until - ${msInterval('$2')},
              in_flight_until = in_flight_until - ${msInterval('$2')}
        WHERE key = ANY($1::text[])`,
      [keys, ms],
    );

  it('counts concurrent hits on one key without losing any', async () => {
    const states = await Promise.all(
      Array.from({ length: 20 }, () => limits.hit('test:concurrent', 60_000)),
    );
    expect(states.map((s) => s.hits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('starts a new window once the old one is over', async () => {
    await limits.hit('test:window', 60_000);
    expect((await limits.hit('test:window', 60_000)).hits).toBe(2);
    await age(['test:window'], 59_000);
    expect((await limits.hit('test:window', 60_000)).hits).toBe(3);
    await age(['test:window'], 1_000);
    expect((await limits.hit('test:window', 60_000)).hits).toBe(1);
  });

  it('locks, peeks and resets a key', async () => {
    const until = new Date(Date.now() + 60_000);
    await limits.lock('test:lock', until);
    const state = await limits.peek('test:lock');
    expect(state?.lockedUntil?.getTime()).toBeCloseTo(until.getTime(), -2);
    await limits.reset('test:lock');
    expect(await limits.peek('test:lock')).toBeNull();
  });

  it('purges only stale, unlocked counters and says how many', async () => {
    await limits.hit('test:stale', 60_000);
    await limits.lock('test:stale-locked', new Date(Date.now() + 60 * 60_000));
    await age(['test:concurrent', 'test:window', 'test:stale', 'test:stale-locked'], 60_000);
    await limits.hit('test:fresh', 60_000);
    // test:concurrent, test:window and test:stale from this file; not the locked or fresh one.
    expect(await limits.purgeStale(30_000)).toBe(3);
    expect(await limits.peek('test:stale')).toBeNull();
    expect(await limits.peek('test:stale-locked')).not.toBeNull();
    expect(await limits.peek('test:fresh')).not.toBeNull();
  });

  it('records an audit entry with every field', async () => {
    await t.app.get(AuditService).record({
      action: 'test_action',
      outcome: 'success',
      actor: { id: 7, email: 'actor@example.com' },
      target: { id: '8', email: 'target@example.com' },
      details: { changed: ['name'] },
    });
    const rec = await t.db.getRepository(AuditRecord).findOneByOrFail({ action: 'test_action' });
    expect(rec).toMatchObject({
      outcome: 'success',
      actorId: '7',
      actorEmail: 'actor@example.com',
      targetId: '8',
      targetEmail: 'target@example.com',
      details: { changed: ['name'] },
    });
    expect(rec.at).toBeInstanceOf(Date);
  });
});
