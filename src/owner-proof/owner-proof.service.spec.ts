import type { DataSource, EntityManager } from 'typeorm';
import type { AuditEntry, AuditService } from '../audit/audit.service';
import type { RequestMeta } from '../common/request-meta';
import { LoginAttempt, type LoginThrottle } from '../login-throttle/login-throttle';
import { LoginThrottleErrors } from '../login-throttle/login-throttle.errors';
import type { AccountMailService } from '../otp/account-mail.service';
import { OtpErrors } from '../otp/otp.errors';
import type { OtpCheck, OtpService } from '../otp/otp.service';
import { PasswordsErrors } from '../passwords/passwords.errors';
import { actorOf, FakeUsers } from '../users/users.fake';
import type { User } from '../users/user.entity';
import type { PasswordCheck, UsersService } from '../users/users.service';
import { CommonErrors } from '../common/errors';
import { OwnerProofErrors } from './owner-proof.errors';
import { FRESH_SESSION_MS, OwnerProof } from './owner-proof.service';

/** The users table, with a password check that compares `plain:<password>` hashes. */
class FakeAccounts extends FakeUsers {
  async checkPasswordOf(id: string, password: string): Promise<PasswordCheck> {
    const u = this.rows.get(id);
    const passwordOk = !!u?.passwordHash && u.passwordHash === `plain:${password}`;
    return { user: u ? { ...u } : null, passwordOk, needsRehash: false } as PasswordCheck;
  }
  async findWithPasswordState(email: string) {
    const u = await this.findByEmail(email);
    return u ? { user: { ...u, passwordHash: null }, hasPassword: !!u.passwordHash } : null;
  }
}

/** The mailed codes: one live code per address and purpose, five tries. */
class FakeCodes implements Pick<OtpService, 'verifyCode' | 'throttleMail'> {
  readonly codes = new Map<string, { code: string; tries: number }>();
  mailed = 0;

  give(email: string, purpose: string, code: string): void {
    this.codes.set(`${email}:${purpose}`, { code, tries: 0 });
  }
  async verifyCode(
    _m: EntityManager,
    opts: { email: string; purpose: string; code: string },
  ): Promise<OtpCheck> {
    const key = `${opts.email}:${opts.purpose}`;
    const live = this.codes.get(key);
    if (!live || live.tries >= 5) return { ok: false, error: OtpErrors.invalid_code() };
    if (live.code !== opts.code) {
      live.tries++;
      return { ok: false, error: OtpErrors.invalid_code() };
    }
    this.codes.delete(key);
    const otp = { userId: null, email: opts.email, purpose: opts.purpose, payload: {} };
    return { ok: true, otp };
  }
  async throttleMail(): Promise<void> {
    this.mailed++;
  }
}

/** The address's login throttle as outcomes: what each attempt ended as, and a lock to answer. */
class FakeThrottle implements Pick<LoginThrottle, 'begin'> {
  readonly outcomes: string[] = [];
  locked = false;

  async begin(): Promise<LoginAttempt> {
    if (this.locked) throw LoginThrottleErrors.login_locked({ retryAfterSeconds: 30 });
    return new LoginAttempt(async (o) => {
      this.outcomes.push(o);
    });
  }
}

class FakeAudit implements Pick<AuditService, 'record' | 'recordQuietly'> {
  readonly entries: AuditEntry[] = [];
  async record(entry: AuditEntry): Promise<string> {
    this.entries.push(entry);
    return String(this.entries.length);
  }
  async recordQuietly(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
  }
}

const META: RequestMeta = {
  ip: '192.0.2.1',
  userAgent: 'spec',
  requestId: 'r',
  clientRequestId: null,
};
const NOW = Date.UTC(2026, 0, 1, 12);

describe('OwnerProof', () => {
  let users: FakeAccounts;
  let codes: FakeCodes;
  let throttle: FakeThrottle;
  let audit: FakeAudit;
  let proof: OwnerProof;
  let withPassword: User;
  let without: User;

  beforeEach(() => {
    users = new FakeAccounts();
    codes = new FakeCodes();
    throttle = new FakeThrottle();
    audit = new FakeAudit();
    const mail = { sendMfaCode: async () => undefined } as unknown as AccountMailService;
    const clock = { now: () => NOW };
    proof = new OwnerProof(
      users as unknown as DataSource,
      users as unknown as UsersService,
      codes as unknown as OtpService,
      mail,
      audit as unknown as AuditService,
      throttle as unknown as LoginThrottle,
      clock,
    );
    withPassword = users.add('user', { passwordHash: 'plain:right horse battery' });
    without = users.add('user');
  });

  const sessionAged = (ms: number) => ({ createdAt: new Date(NOW - ms) });

  it('takes the right password, and forgets the attempt', async () => {
    const proven = await proof.prove(
      actorOf(withPassword),
      { password: 'right horse battery' },
      { action: 'password_change', meta: META },
    );
    expect([proven.form, proven.user?.id, throttle.outcomes]).toEqual([
      'password',
      withPassword.id,
      ['success'],
    ]);
  });

  it('counts a wrong password as a failed try and records it with the user as actor', async () => {
    const wrong = proof.prove(
      actorOf(withPassword),
      { password: 'wrong' },
      { action: 'account_delete', meta: META },
    );
    await expect(wrong).rejects.toThrow(PasswordsErrors.invalid_current_password);
    expect(throttle.outcomes).toEqual(['failure']);
    expect(audit.entries).toEqual([
      expect.objectContaining({
        action: 'account_delete',
        outcome: 'invalid_current_password',
        actor: expect.objectContaining({ id: withPassword.id }),
      }),
    ]);
  });

  it('records nothing itself for a route whose interceptor records the outcome', async () => {
    const wrong = proof.prove(actorOf(withPassword), { password: 'wrong' }, { action: 'mfa' });
    await expect(wrong).rejects.toThrow(PasswordsErrors.invalid_current_password);
    expect([throttle.outcomes, audit.entries]).toEqual([['failure'], []]);
  });

  it('answers a locked address before checking the password, and records the refusal', async () => {
    throttle.locked = true;
    const locked = proof.prove(
      actorOf(withPassword),
      { password: 'right horse battery' },
      { action: 'password_change', meta: META },
    );
    await expect(locked).rejects.toThrow(LoginThrottleErrors.login_locked);
    expect(audit.entries.map((e) => e.outcome)).toEqual([LoginThrottleErrors.login_locked.code]);
  });

  it('wants exactly one of the password and the code', async () => {
    for (const given of [{}, { password: 'right horse battery', code: '123456' }]) {
      const refused = proof.prove(actorOf(withPassword), given, { action: 'mfa' });
      await expect(refused).rejects.toThrow(CommonErrors.validation_failed);
    }
  });

  it('wants the password from an account that has one, and a code from one without', async () => {
    await expect(
      proof.prove(actorOf(withPassword), { code: '123456' }, { action: 'account_delete' }),
    ).rejects.toThrow(PasswordsErrors.password_required);
    await expect(
      proof.prove(actorOf(without), { password: 'anything' }, { action: 'account_delete' }),
    ).rejects.toThrow(OwnerProofErrors.code_required);
    await expect(
      proof.prove(actorOf(without), { password: 'anything' }, { action: 'mfa' }),
    ).rejects.toThrow(OwnerProofErrors.email_code_required);
    expect(throttle.outcomes).toEqual([]);
  });

  it('leaves a code that the action uses up in its own transaction to the action', async () => {
    const proven = await proof.prove(
      actorOf(without),
      { code: '000000' },
      { action: 'email_change_request' },
    );
    expect([proven.form, throttle.outcomes]).toEqual(['code', []]);
  });

  it('checks and uses up the mailed code where the proof checks it', async () => {
    codes.give(without.email, 'mfa', '246810');
    await expect(
      proof.prove(actorOf(without), { code: '111111' }, { action: 'mfa' }),
    ).rejects.toThrow(OtpErrors.invalid_code);
    // A wrong code counts among the code's tries, not in the password throttle.
    expect(throttle.outcomes).toEqual(['abandoned']);
    await proof.prove(actorOf(without), { code: '246810' }, { action: 'mfa' });
    await expect(
      proof.prove(actorOf(without), { code: '246810' }, { action: 'mfa' }),
    ).rejects.toThrow(OtpErrors.invalid_code);
  });

  it('counts a wrong further code like a wrong password, and forgets a refused one', async () => {
    const user = actorOf(withPassword);
    const given = { password: 'right horse battery' };
    const wrong = CommonErrors.conflict();
    await expect(
      proof.prove(user, given, {
        action: 'mfa',
        further: async () => ({ outcome: 'wrong', error: wrong }),
      }),
    ).rejects.toBe(wrong);
    await expect(
      proof.prove(user, given, {
        action: 'mfa',
        further: async () => ({ outcome: 'refuse', error: wrong }),
      }),
    ).rejects.toBe(wrong);
    expect(throttle.outcomes).toEqual(['failure', 'success']);
  });

  describe('the fresh-session form', () => {
    it('lets an account without a password act from a session younger than ten minutes', async () => {
      const proven = await proof.prove(
        actorOf(without),
        {},
        { action: 'passkeys', session: sessionAged(FRESH_SESSION_MS - 1000) },
      );
      expect([proven.form, throttle.outcomes]).toEqual(['session', []]);
    });

    it('answers 403 reauthentication_required for an older session, and records it', async () => {
      const old = proof.prove(
        actorOf(without),
        {},
        { action: 'passkeys', session: sessionAged(FRESH_SESSION_MS), meta: META },
      );
      await expect(old).rejects.toThrow(OwnerProofErrors.reauthentication_required);
      await old.catch((e: { getStatus(): number; code: string }) => {
        expect([e.getStatus(), e.code]).toEqual([403, 'reauthentication_required']);
      });
      expect(audit.entries.map((e) => [e.action, e.outcome])).toEqual([
        ['passkeys', 'reauthentication_required'],
      ]);
    });

    it('refuses without a session to measure', async () => {
      await expect(proof.prove(actorOf(without), {}, { action: 'passkeys' })).rejects.toThrow(
        OwnerProofErrors.reauthentication_required,
      );
    });

    it('does not stand in for the password of an account that has one', async () => {
      const fresh = sessionAged(0);
      await expect(
        proof.prove(actorOf(withPassword), {}, { action: 'passkeys', session: fresh }),
      ).rejects.toThrow(PasswordsErrors.password_required);
      const proven = await proof.prove(
        actorOf(withPassword),
        { password: 'right horse battery' },
        { action: 'passkeys', session: fresh },
      );
      expect(proven.form).toBe('password');
    });

    it('is not offered by the actions that take a mailed code', async () => {
      const fresh = sessionAged(0);
      await expect(
        proof.prove(actorOf(without), {}, { action: 'account_delete', session: fresh }),
      ).rejects.toThrow(CommonErrors.validation_failed);
    });
  });

  it('mails the code only to an account without a password', async () => {
    await expect(proof.sendCode(actorOf(withPassword), 'mfa')).rejects.toThrow(
      PasswordsErrors.password_required,
    );
    await proof.sendCode(actorOf(without), 'mfa');
    expect(codes.mailed).toBe(1);
  });
});
