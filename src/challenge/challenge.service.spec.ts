import type { EntityManager } from 'typeorm';
import type { ChallengeRepository, ChallengeRow, NewChallengeRow } from './challenge.repository';
import { CHALLENGE_MAX_TRIES, ChallengeService } from './challenge.service';

/** The table in memory, with the repository's rules: live rows only, tries capped. */
class FakeChallenges {
  readonly rows = new Map<string, ChallengeRow>();

  insert(c: NewChallengeRow): Promise<Date> {
    const expiresAt = new Date(Date.now() + c.ttlMs);
    this.rows.set(c.tokenHash, { ...c, tries: 0, expiresAt });
    return Promise.resolve(expiresAt);
  }
  findLive(hash: string): Promise<ChallengeRow | undefined> {
    return Promise.resolve(this.rows.get(hash));
  }
  tryOne(hash: string, max: number): Promise<ChallengeRow | undefined> {
    const row = this.rows.get(hash);
    if (!row || row.tries >= max) return Promise.resolve(undefined);
    row.tries++;
    return Promise.resolve({ ...row });
  }
  delete(hash: string): Promise<void> {
    this.rows.delete(hash);
    return Promise.resolve();
  }
  consume(hash: string): Promise<ChallengeRow | undefined> {
    const row = this.rows.get(hash);
    this.rows.delete(hash);
    return Promise.resolve(row);
  }
  deleteForUser(userId: string): Promise<void> {
    for (const [k, r] of this.rows) if (r.userId === userId) this.rows.delete(k);
    return Promise.resolve();
  }
}

describe('ChallengeService', () => {
  const m = {} as EntityManager;
  let table: FakeChallenges;
  let challenges: ChallengeService;

  beforeEach(() => {
    table = new FakeChallenges();
    challenges = new ChallengeService(table as unknown as ChallengeRepository);
    challenges.register({
      methods: ['totp'],
      verify: (_user, a) => Promise.resolve(a.code === '123456' ? 'totp' : null),
    });
    challenges.register({
      methods: ['recovery_code'],
      verify: (_user, a) => Promise.resolve(a.recoveryCode === 'r-1' ? 'recovery_code' : null),
    });
  });

  const start = () => challenges.start({ userId: '7', firstFactor: 'password', stamp: 's' });

  it('lists the methods of the factors that plugged in, and asks each of them', async () => {
    expect(challenges.methods).toEqual(['totp', 'recovery_code']);
    const { token } = await start();
    await expect(challenges.answer(token, { recoveryCode: 'r-1' })).resolves.toMatchObject({
      outcome: 'passed',
      method: 'recovery_code',
      challenge: { userId: '7', firstFactor: 'password', stamp: 's' },
    });
  });

  it('lists a factor only to the users it is offered to', async () => {
    challenges.register({
      methods: ['passkey'],
      offeredTo: (userId) => Promise.resolve(userId === '7'),
      verify: () => Promise.resolve(null),
    });
    await expect(challenges.methodsFor('7')).resolves.toEqual(['totp', 'recovery_code', 'passkey']);
    await expect(challenges.methodsFor('8')).resolves.toEqual(['totp', 'recovery_code']);
  });

  it('ends after five wrong answers: the sixth, even right, finds it spent', async () => {
    const { token } = await start();
    for (let i = 0; i < CHALLENGE_MAX_TRIES; i++) {
      await expect(challenges.answer(token, { code: '000000' })).resolves.toEqual({
        outcome: 'wrong',
      });
    }
    await expect(challenges.answer(token, { code: '123456' })).resolves.toEqual({
      outcome: 'spent',
    });
    await expect(challenges.pending(token)).resolves.toBeUndefined();
  });

  it('is redeemed once: a second redemption gets nothing', async () => {
    const { token } = await start();
    await expect(challenges.redeem(token, m)).resolves.toMatchObject({ userId: '7' });
    await expect(challenges.redeem(token, m)).resolves.toBeUndefined();
  });

  it('refuses a malformed token without asking the table', async () => {
    const spy = jest.spyOn(table, 'tryOne');
    await expect(challenges.answer('not a token', { code: '123456' })).resolves.toEqual({
      outcome: 'spent',
    });
    expect(spy).not.toHaveBeenCalled();
  });
});
