import type { EntityManager } from 'typeorm';
import { AppError } from '../common/errors';
import type { CounterState } from '../common/rate-limit/rate-limit.service';
import { loadSettings } from '../config/settings';
import type { OneTimeToken } from './one-time-token.entity';
import { OTP_RULES, OtpCheck, OtpCounters, OtpService, OtpTokenStore } from './otp.service';

/**
 * In-memory stand-ins for our own repository and counters, on a clock the specs move. They
 * implement the service's view of the real classes, so the compiler holds them to the real
 * signatures.
 */
class Clock {
  t = Date.UTC(2025, 0, 1);
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

class FakeTokens implements OtpTokenStore {
  rows: OneTimeToken[] = [];
  private id = 0;
  constructor(private readonly clock: Clock) {}

  async add(_m: EntityManager, t: Partial<OneTimeToken>) {
    const { email, purpose, kind, tokenHash, expiresAt } = t;
    // The columns the table declares NOT NULL without a default.
    if (!email || !purpose || !kind || !tokenHash || !expiresAt) {
      throw new Error(`add() without a required column: ${JSON.stringify(t)}`);
    }
    this.rows.push({
      id: String(++this.id),
      userId: t.userId ?? null,
      email,
      purpose,
      kind,
      tokenHash,
      salt: t.salt ?? null,
      attempts: t.attempts ?? 0,
      payload: t.payload ?? null,
      createdAt: new Date(this.clock.now()),
      expiresAt,
      consumedAt: t.consumedAt ?? null,
    });
  }
  async consumeOutstanding(_m: EntityManager, email: string, purpose: string) {
    this.burn((r) => r.email === email && r.purpose === purpose);
  }
  async consumeOutstandingOfUser(_m: EntityManager, userId: string, purposes?: string[]) {
    this.burn((r) => r.userId === userId && (!purposes || purposes.includes(r.purpose)));
  }
  async findLatestLiveCode(_m: EntityManager, email: string, purpose: string) {
    return this.latestLiveCode((r) => r.email === email && r.purpose === purpose);
  }
  async findLatestLiveCodeOfUser(_m: EntityManager, userId: string, purpose: string) {
    return this.latestLiveCode((r) => r.userId === userId && r.purpose === purpose);
  }
  async findLinkByHash(hash: string) {
    return this.rows.find((r) => r.kind === 'link' && r.tokenHash === hash) ?? null;
  }
  async recordWrongTry(_m: EntityManager, id: string, burn: boolean) {
    const r = this.rows.find((x) => x.id === id);
    if (!r) throw new Error(`no token ${id}`);
    r.attempts++;
    if (burn) r.consumedAt = new Date(this.clock.now());
  }

  private burn(match: (r: OneTimeToken) => boolean) {
    for (const r of this.rows) {
      if (match(r) && !r.consumedAt) r.consumedAt = new Date(this.clock.now());
    }
  }
  private latestLiveCode(match: (r: OneTimeToken) => boolean) {
    const live = this.rows.filter((r) => match(r) && r.kind === 'code' && !r.consumedAt);
    return live[live.length - 1] ?? null;
  }
}

class FakeLimits implements OtpCounters {
  private counters = new Map<string, CounterState>();
  constructor(private readonly clock: Clock) {}

  async hit(key: string, windowMs: number) {
    const now = this.clock.now();
    const c = this.counters.get(key);
    if (!c || c.windowStartedAt.getTime() <= now - windowMs) {
      const fresh = {
        hits: 1,
        windowStartedAt: new Date(now),
        lockedUntil: c?.lockedUntil ?? null,
      };
      this.counters.set(key, fresh);
      return { ...fresh };
    }
    c.hits++;
    return { ...c };
  }
  async peek(key: string) {
    const c = this.counters.get(key);
    return c ? { ...c } : null;
  }
  async lock(key: string, until: Date) {
    const c = this.counters.get(key);
    if (c) c.lockedUntil = until;
    else
      this.counters.set(key, {
        hits: 0,
        windowStartedAt: new Date(this.clock.now()),
        lockedUntil: until,
      });
  }
  async reset(key: string) {
    this.counters.delete(key);
  }
}

/** Passed through to the repository, which the fakes stand in for; never used. */
const m = {} as EntityManager;
const EMAIL = 'ada@example.com';

function setup(env: Record<string, string> = {}) {
  const clock = new Clock();
  const tokens = new FakeTokens(clock);
  const limits = new FakeLimits(clock);
  const otp = new OtpService(tokens, limits, loadSettings(env).otp);
  otp.now = clock.now;
  return { clock, tokens, otp };
}

function wrong(code: string): string {
  return code === '000000' ? '000001' : '000000';
}

function errorCode(check: OtpCheck): string {
  return check.ok ? 'ok' : check.error.code;
}

async function rejects429(p: Promise<unknown>): Promise<{ code: string; retryAfter: number }> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    expect(e.getStatus()).toBe(429);
    return { code: e.code, retryAfter: Number(e.headers['Retry-After']) };
  }
  throw new Error('expected a 429');
}

describe('OtpService', () => {
  it('issues 6-digit codes, leading zeros allowed, and 256-bit link tokens', async () => {
    const { otp } = setup();
    const codes = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const issued = await otp.issue(m, { email: `u${i}@example.com`, purpose: 'email_confirm' });
      expect(issued.code).toMatch(/^\d{6}$/);
      expect(Buffer.from(issued.token, 'base64url')).toHaveLength(32);
      codes.add(issued.code);
    }
    expect(codes.size).toBeGreaterThan(290);
  });

  it('stores only keyed hashes, never the code or token', async () => {
    const { otp, tokens } = setup({ OTP_SECRET: 'k1' });
    const issued = await otp.issue(m, { email: EMAIL, purpose: 'email_confirm' });
    const stored = JSON.stringify(tokens.rows);
    expect(stored).not.toContain(issued.code);
    expect(stored).not.toContain(issued.token);
    for (const r of tokens.rows) expect(r.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    // Another key gives other hashes: the secret is part of the hash.
    const other = setup({ OTP_SECRET: 'k2' });
    expect((await other.otp.peekLink(issued.token, 'email_confirm')) === null).toBe(true);
  });

  it('accepts the right code once, then refuses it', async () => {
    const { otp } = setup();
    const { code } = await otp.issue(m, { email: EMAIL, purpose: 'email_confirm', userId: '7' });
    const first = await otp.verifyCode(m, {
      email: 'ADA@example.com',
      purpose: 'email_confirm',
      code,
    });
    expect(first).toMatchObject({ ok: true, otp: { userId: '7', email: EMAIL } });
    expect(
      errorCode(await otp.verifyCode(m, { email: EMAIL, purpose: 'email_confirm', code })),
    ).toBe('invalid_code');
  });

  it('binds a code to its address and its purpose', async () => {
    const { otp } = setup();
    const { code } = await otp.issue(m, { email: EMAIL, purpose: 'email_confirm' });
    await otp.issue(m, { email: 'bob@example.com', purpose: 'email_confirm' });
    const bob = await otp.verifyCode(m, {
      email: 'bob@example.com',
      purpose: 'email_confirm',
      code,
    });
    const reset = await otp.verifyCode(m, { email: EMAIL, purpose: 'password_reset', code });
    expect([errorCode(bob), errorCode(reset)]).toEqual(['invalid_code', 'invalid_code']);
    expect((await otp.verifyCode(m, { email: EMAIL, purpose: 'email_confirm', code })).ok).toBe(
      true,
    );
  });

  it('counts only the latest code: a new one supersedes the earlier code and link', async () => {
    const { otp } = setup();
    const old = await otp.issue(m, { email: EMAIL, purpose: 'email_confirm' });
    const latest = await otp.issue(m, { email: EMAIL, purpose: 'email_confirm' });
    if (old.code !== latest.code) {
      expect(
        errorCode(
          await otp.verifyCode(m, { email: EMAIL, purpose: 'email_confirm', code: old.code }),
        ),
      ).toBe('invalid_code');
    }
    expect(await otp.peekLink(old.token, 'email_confirm')).toBeNull();
    expect(
      (await otp.verifyCode(m, { email: EMAIL, purpose: 'email_confirm', code: latest.code })).ok,
    ).toBe(true);
  });

  it('refuses an expired code and an expired link', async () => {
    const { otp, clock } = setup({ OTP_TTL: '10m', LINK_TTL: '24h' });
    const issued = await otp.issue(m, { email: EMAIL, purpose: 'email_confirm' });
    clock.advance(10 * 60_000);
    expect(
      errorCode(
        await otp.verifyCode(m, { email: EMAIL, purpose: 'email_confirm', code: issued.code }),
      ),
    ).toBe('invalid_code');
    expect(await otp.peekLink(issued.token, 'email_confirm')).not.toBeNull();
    clock.advance(24 * 60 * 60_000);
    expect(errorCode(await otp.consumeLink(m, issued.token, 'email_confirm'))).toBe(
      'invalid_token',
    );
  });

  it('knows the pending address of a user until its code expires or is cancelled', async () => {
    const { otp, clock } = setup({ OTP_TTL: '10m' });
    const change = { email: 'new@example.com', purpose: 'email_change', userId: '7' } as const;
    await otp.issue(m, change);
    expect(await otp.pendingAddress(m, '7', 'email_change')).toBe('new@example.com');
    expect(await otp.pendingAddress(m, '8', 'email_change')).toBeNull();
    clock.advance(10 * 60_000);
    expect(await otp.pendingAddress(m, '7', 'email_change')).toBeNull();

    await otp.issue(m, change);
    await otp.cancelForUser(m, '7', ['password_reset']);
    expect(await otp.pendingAddress(m, '7', 'email_change')).toBe('new@example.com');
    await otp.cancelForUser(m, '7');
    expect(await otp.pendingAddress(m, '7', 'email_change')).toBeNull();
  });

  it('uses a link once and burns its code with it', async () => {
    const { otp } = setup();
    const issued = await otp.issue(m, { email: EMAIL, purpose: 'email_confirm' });
    expect((await otp.consumeLink(m, issued.token, 'email_confirm')).ok).toBe(true);
    expect(errorCode(await otp.consumeLink(m, issued.token, 'email_confirm'))).toBe(
      'invalid_token',
    );
    expect(
      errorCode(
        await otp.verifyCode(m, { email: EMAIL, purpose: 'email_confirm', code: issued.code }),
      ),
    ).toBe('invalid_code');
  });

  it('refuses a link of another purpose', async () => {
    const { otp } = setup();
    const issued = await otp.issue(m, { email: EMAIL, purpose: 'password_reset' });
    expect(errorCode(await otp.consumeLink(m, issued.token, 'email_confirm'))).toBe(
      'invalid_token',
    );
  });

  it('refuses a code after five wrong tries, even the right one', async () => {
    const { otp } = setup();
    const { code } = await otp.issue(m, { email: EMAIL, purpose: 'email_confirm' });
    for (let i = 0; i < OTP_RULES.maxTriesPerCode; i++) {
      const r = await otp.verifyCode(m, {
        email: EMAIL,
        purpose: 'email_confirm',
        code: wrong(code),
      });
      expect(errorCode(r)).toBe('invalid_code');
    }
    expect(
      errorCode(await otp.verifyCode(m, { email: EMAIL, purpose: 'email_confirm', code })),
    ).toBe('invalid_code');
  });

  it('locks an address after 20 consecutive failures, across resends, for an hour', async () => {
    const { otp, clock } = setup();
    let code = '';
    for (let i = 0; i < OTP_RULES.maxAddressFailures; i++) {
      // A new code every 4 failures: the count per address survives resends.
      if (i % 4 === 0) code = (await otp.issue(m, { email: EMAIL, purpose: 'email_confirm' })).code;
      const r = await otp.verifyCode(m, {
        email: EMAIL,
        purpose: 'email_confirm',
        code: wrong(code),
      });
      expect(errorCode(r)).toBe('invalid_code');
    }
    code = (await otp.issue(m, { email: EMAIL, purpose: 'email_confirm' })).code;
    const refused = await rejects429(
      otp.verifyCode(m, { email: EMAIL, purpose: 'email_confirm', code }),
    );
    expect(refused).toEqual({ code: 'too_many_attempts', retryAfter: 3600 });
    clock.advance(OTP_RULES.addressLockMs);
    code = (await otp.issue(m, { email: EMAIL, purpose: 'email_confirm' })).code;
    expect((await otp.verifyCode(m, { email: EMAIL, purpose: 'email_confirm', code })).ok).toBe(
      true,
    );
  });

  it('locks an unknown address exactly like a known one', async () => {
    const { otp } = setup();
    for (let i = 0; i < OTP_RULES.maxAddressFailures; i++) {
      await otp.verifyCode(m, {
        email: 'nobody@example.com',
        purpose: 'email_confirm',
        code: '123456',
      });
    }
    expect(
      await rejects429(
        otp.verifyCode(m, {
          email: 'nobody@example.com',
          purpose: 'email_confirm',
          code: '123456',
        }),
      ),
    ).toEqual({ code: 'too_many_attempts', retryAfter: 3600 });
  });

  it('resets the failure count on a success', async () => {
    const { otp } = setup();
    for (let i = 0; i < OTP_RULES.maxAddressFailures - 1; i++) {
      await otp.verifyCode(m, { email: EMAIL, purpose: 'email_confirm', code: '123456' });
    }
    const { code } = await otp.issue(m, { email: EMAIL, purpose: 'email_confirm' });
    expect((await otp.verifyCode(m, { email: EMAIL, purpose: 'email_confirm', code })).ok).toBe(
      true,
    );
    const next = await otp.issue(m, { email: EMAIL, purpose: 'email_confirm' });
    const r = await otp.verifyCode(m, {
      email: EMAIL,
      purpose: 'email_confirm',
      code: wrong(next.code),
    });
    expect(errorCode(r)).toBe('invalid_code');
  });

  it('allows one mail per cooldown per address, known or not, with Retry-After', async () => {
    const { otp, clock } = setup({ RESEND_COOLDOWN: '60s' });
    await otp.throttleMail(EMAIL);
    clock.advance(15_000);
    expect(await rejects429(otp.throttleMail('Ada@Example.com'))).toEqual({
      code: 'too_many_requests',
      retryAfter: 45,
    });
    await otp.throttleMail('other@example.com');
    clock.advance(45_000);
    await otp.throttleMail(EMAIL);
  });

  it('allows at most 10 mails an hour per address', async () => {
    const { otp, clock } = setup({ RESEND_COOLDOWN: '60s' });
    for (let i = 0; i < OTP_RULES.mailsPerHour; i++) {
      await otp.throttleMail(EMAIL);
      clock.advance(60_000);
    }
    const refused = await rejects429(otp.throttleMail(EMAIL));
    expect(refused.code).toBe('too_many_requests');
    expect(refused.retryAfter).toBe(3600 - 600);
    clock.advance(3600_000);
    await otp.throttleMail(EMAIL);
  });
});
