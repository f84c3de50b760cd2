import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { auditFailures } from '../audit/audit-failures';
import { AuditService, pseudonymOf } from '../audit/audit.service';
import type { AuthUser } from '../common/auth-user';
import type { AppError } from '../common/errors';
import type { RequestMeta } from '../common/request-meta';
import { OtpService } from '../otp/otp.service';
import type { MessageResponseDto } from '../common/dto/message-response.dto';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import type { DeleteAccountDto } from './dto/delete-account.dto';
import { OwnerProof } from '../owner-proof/owner-proof.service';
import { UsersErrors } from '../users/users.errors';
import { CommonErrors } from '../common/errors';

const CODE_ON_ITS_WAY: MessageResponseDto = {
  message: 'A code to confirm the deletion is on its way to your address.',
};

/**
 * DELETE /me: after the password (or, for an account without one, a mailed code), in one
 * transaction: every session ends, the row is deleted so the address can sign up again, and the
 * audit history keeps the user's id with the address replaced by `deleted-user-<id>`. The last
 * active root cannot delete itself.
 */
@Injectable()
export class AccountDeletionService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly otp: OtpService,
    private readonly proof: OwnerProof,
    private readonly audit: AuditService,
  ) {}

  /** Mails the code that confirms the deletion of an account without a password. */
  async sendCode(user: AuthUser, meta: RequestMeta): Promise<MessageResponseDto> {
    await this.proof.sendCode(user, 'account_delete', meta);
    return CODE_ON_ITS_WAY;
  }

  async delete(user: AuthUser, dto: DeleteAccountDto, meta: RequestMeta): Promise<void> {
    const entry = { action: 'account_delete', email: user.email, meta };
    // Deleted meanwhile (a parallel DELETE /me): the session this request came with is gone too.
    if (!(await this.users.findById(user.id))) throw CommonErrors.invalid_token();
    await this.proof.prove(user, dto, { action: 'account_delete', meta });
    return auditFailures(this.audit, entry, async () => {
      const failed = await this.db.transaction(async (m): Promise<AppError | null> => {
        const wrong = await this.proof.checkCode(m, user, 'account_delete', dto.code);
        if (wrong) return wrong;
        // The codes first, then the user's row (the order of every code check). With the row
        // locked, no login can open a session before the row is gone.
        await this.otp.cancelForUser(m, user.id);
        const locked = await this.users.lockForDeletion(user.id, m).catch((e: unknown) => {
          throw e instanceof UsersErrors.user_not_found ? CommonErrors.invalid_token() : e;
        });
        const sessionsEnded = await this.sessions.revokeAllForUser(user.id, { manager: m });
        await this.users.deleteLocked(user.id, m);
        const pseudonymised = await this.audit.pseudonymiseUser(m, user.id, locked.email);
        const alias = { id: user.id, email: pseudonymOf(user.id) };
        await this.audit.record(
          {
            action: 'account_delete',
            outcome: 'success',
            actor: alias,
            target: alias,
            details: {
              method: dto.code !== undefined ? 'code' : 'password',
              sessions_ended: sessionsEnded,
              audit_records_pseudonymised: pseudonymised,
            },
            meta,
          },
          m,
        );
        return null;
      });
      // A wrong code's counts were committed; now the answer.
      if (failed) throw failed;
    });
  }
}
