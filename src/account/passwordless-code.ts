import type { DataSource, EntityManager } from 'typeorm';
import { auditFailures, auditRefusal, type FailureEntry } from '../audit/audit-failures';
import type { AuditService } from '../audit/audit.service';
import type { AuthUser } from '../common/auth-user';
import { ValidationFailedError, type AppError } from '../common/errors';
import type { RequestMeta } from '../common/request-meta';
import type { OtpPurpose, OtpService } from '../otp/otp.service';
import type { User } from '../users/user.entity';
import { UserNotFoundError } from '../users/users.errors';
import type { UsersService } from '../users/users.service';
import { CodeRequiredError, PasswordRequiredError } from './account.errors';

/**
 * Mails the code that stands in for the password of an action (deletion, address change) of an
 * account that has none (SECURITY.md: "or a code sent to the address for accounts without one");
 * an account with a password is told to use it. One mail per RESEND_COOLDOWN, audited as `action`.
 */
export function sendPasswordlessCode(
  deps: { db: DataSource; users: UsersService; otp: OtpService; audit: AuditService },
  opts: {
    user: AuthUser;
    meta: RequestMeta;
    action: string;
    send: (m: EntityManager, account: User) => Promise<void>;
  },
): Promise<void> {
  const { user, meta, action } = opts;
  return auditFailures(deps.audit, { action, email: user.email, meta }, async () => {
    const account = await deps.users.findWithPasswordState(user.email);
    if (!account) throw new UserNotFoundError();
    if (account.hasPassword) throw new PasswordRequiredError();
    await deps.otp.throttleMail(user.email);
    await deps.db.transaction(async (m) => {
      await opts.send(m, account.user);
      await deps.audit.record({ action, outcome: 'success', actor: user, target: user, meta }, m);
    });
  });
}

/**
 * The proof an action of the account's own takes: the password, or for an account without one
 * the code of `codeRoute`; exactly one of the two, and the right one (refusals audited as `entry`).
 */
export async function requireProof(
  deps: { users: UsersService; audit: AuditService },
  user: AuthUser,
  dto: { password?: string; code?: string },
  entry: FailureEntry,
  codeRoute: string,
): Promise<void> {
  const refuse = (e: AppError) => auditRefusal(deps.audit, entry, e);
  if ((dto.password === undefined) === (dto.code === undefined)) {
    throw await refuse(new ValidationFailedError(['give password or code (one of them)']));
  }
  const hasPassword = await deps.users.hasPassword(user.id);
  if (hasPassword && dto.password === undefined) throw await refuse(new PasswordRequiredError());
  if (!hasPassword && dto.code === undefined) throw await refuse(new CodeRequiredError(codeRoute));
}

/** Checks the mailed code of `purpose` in the action's transaction; null when none was given. */
export async function checkProofCode(
  otp: OtpService,
  m: EntityManager,
  opts: { email: string; purpose: OtpPurpose; code?: string },
): Promise<AppError | null> {
  if (opts.code === undefined) return null;
  const check = await otp.verifyCode(m, {
    email: opts.email,
    purpose: opts.purpose,
    code: opts.code,
  });
  return check.ok ? null : check.error;
}
