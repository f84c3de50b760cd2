import { AuditRecord } from '../src/audit/audit-record.entity';
import { AuditService } from '../src/audit/audit.service';
import { RateLimitService } from '../src/common/rate-limit/rate-limit.service';
import { RateLimitModule } from '../src/common/rate-limit/rate-limit.module';
import { startApp, TestApp } from './support/test-app';

describe('shared services', () => {
  let t: TestApp;
  let limits: RateLimitService;

  beforeAll(async () => {
    t = await startApp({}, undefined, [RateLimitModule]);
    limits = t.app.get(RateLimitService);
  });
  afterAll(() => t.destroy());

  it('counts concurrent hits on one key without losing any', async () => {
    const states = await Promise.all(
      Array.from({ length: 20 }, () => limits.hit('test:concurrent', 60_000)),
    );
    expect(states.map((s) => s.hits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('starts a new window once the old one is over', async () => {
    await limits.hit('test:window', 300);
    expect((await limits.hit('test:window', 300)).hits).toBe(2);
    await new Promise((r) => setTimeout(r, 350));
    expect((await limits.hit('test:window', 300)).hits).toBe(1);
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
    await limits.lock('test:stale-locked', new Date(Date.now() + 60_000));
    await new Promise((r) => setTimeout(r, 50));
    await limits.hit('test:fresh', 60_000);
    // test:concurrent, test:window and test:stale from this file; not the locked or fresh one.
    expect(await limits.purgeStale(40)).toBe(3);
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
