import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AuditContext } from '../../audit/audit-context';
import type { AuthUser } from '../../common/auth-user';
import { CommonErrors } from '../../common/errors';
import type { Transactions } from '../../database/transactions';
import { SecurityNotices } from '../../notices/security-notices.service';
import { SessionsService } from '../../sessions/sessions.service';
import { ChangeStatusDto } from '../dto/change-status.dto';
import { UserResponseDto } from '../dto/user-response.dto';
import { assertMayManage } from '../role-rules';
import { UsersRepository } from '../users.repository';
import { UsersService } from '../users.service';
import { UsersErrors } from '../users.errors';

/** What the rules below use of the classes they are given; unit specs pass fakes of these. */
export type StatusUsers = Pick<UsersRepository, 'findByEmail' | 'update' | 'countOtherActiveRoots'>;
export type StatusAccounts = Pick<UsersService, 'mustFind'>;
export type StatusSessions = Pick<SessionsService, 'revokeAllForUser'>;
export type StatusNotices = Pick<SecurityNotices, 'accountBlocked'>;

/** PUT /users/status/change: blocks (ending every session at once) or unblocks (reviving none). */
@Injectable()
export class ChangeUserStatus {
  constructor(
    @Inject(UsersRepository) private readonly users: StatusUsers,
    @Inject(UsersService) private readonly accounts: StatusAccounts,
    @Inject(SessionsService) private readonly sessions: StatusSessions,
    @Inject(SecurityNotices) private readonly notices: StatusNotices,
    @InjectDataSource() private readonly db: Transactions,
  ) {}

  async execute(
    actor: AuthUser,
    dto: ChangeStatusDto,
    audit: AuditContext,
  ): Promise<UserResponseDto> {
    audit.setAction(dto.is_active ? 'user_unblock' : 'user_block');
    if (dto.user_id !== undefined || dto.email !== undefined) {
      audit.setTarget({ id: dto.user_id, email: dto.email?.toLowerCase() });
    }
    if (dto.user_id !== undefined && dto.email !== undefined) {
      throw CommonErrors.validation_failed({ message: ['give user_id or email, not both'] });
    }
    if (!dto.is_active && dto.blocked_until && dto.blocked_until.getTime() <= Date.now()) {
      throw CommonErrors.validation_failed({ message: ['blocked_until must be in the future'] });
    }
    return this.db.transaction(async (m) => {
      const user =
        dto.user_id !== undefined
          ? await this.accounts.mustFind(String(dto.user_id), m)
          : await this.users.findByEmail(dto.email!, m);
      if (!user) throw UsersErrors.user_not_found();
      audit.setTarget(user);
      if (!dto.is_active && user.id === actor.id) throw UsersErrors.cannot_block_self();
      assertMayManage(actor, user);
      if (dto.is_active) {
        await this.users.update(
          user.id,
          { isActive: true, blockedUntil: null, blockReason: null },
          m,
        );
      } else {
        if (user.role === 'root' && (await this.users.countOtherActiveRoots(user.id, m)) === 0) {
          throw UsersErrors.last_root();
        }
        await this.users.update(
          user.id,
          {
            isActive: false,
            blockedUntil: dto.blocked_until ?? null,
            blockReason: dto.reason ?? null,
          },
          m,
        );
        const ended = await this.sessions.revokeAllForUser(user.id, { manager: m });
        await this.notices.accountBlocked(m, user, dto.blocked_until ?? null);
        audit.addDetails({
          reason: dto.reason ?? null,
          blocked_until: dto.blocked_until?.toISOString() ?? null,
          sessions_ended: ended,
        });
      }
      await audit.recordIn(m);
      return UserResponseDto.from(await this.accounts.mustFind(user.id, m));
    });
  }
}
