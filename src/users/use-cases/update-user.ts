import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AuditContext } from '../../audit/audit-context';
import type { AuthUser } from '../../common/auth-user';
import { isUniqueViolation } from '../../database/sql';
import type { Transactions } from '../../database/transactions';
import { SecurityNotices } from '../../notices/security-notices.service';
import { AccountMailService } from '../../otp/account-mail.service';
import { UpdateUserDto } from '../dto/update-user.dto';
import { UserResponseDto } from '../dto/user-response.dto';
import { assertMayGrant, assertMayManage } from '../role-rules';
import type { User } from '../user.entity';
import { UsersRepository } from '../users.repository';
import { UsersService } from '../users.service';
import { UsersErrors } from '../users.errors';

/** What the rules below use of the classes they are given; unit specs pass fakes of these. */
export type UpdateUsers = Pick<UsersRepository, 'findByEmail' | 'update' | 'countOtherActiveRoots'>;
export type UpdateAccounts = Pick<UsersService, 'mustFind' | 'hasPassword'>;
export type UpdateMail = Pick<AccountMailService, 'sendAddressConfirmation'>;
export type UpdateNotices = Pick<SecurityNotices, 'emailChanged'>;

/** PUT /users/:id: profile fields and role; the audit record names the fields that changed. */
@Injectable()
export class UpdateUser {
  constructor(
    @Inject(UsersRepository) private readonly users: UpdateUsers,
    @Inject(UsersService) private readonly accounts: UpdateAccounts,
    @Inject(AccountMailService) private readonly accountMail: UpdateMail,
    @Inject(SecurityNotices) private readonly notices: UpdateNotices,
    @InjectDataSource() private readonly db: Transactions,
  ) {}

  async execute(
    actor: AuthUser,
    id: string,
    dto: UpdateUserDto,
    audit: AuditContext,
  ): Promise<UserResponseDto> {
    try {
      return await this.db.transaction(async (m) => {
        const user = await this.accounts.mustFind(id, m);
        audit.setTarget(user);
        assertMayManage(actor, user);
        const changed: string[] = [];
        const fields: Partial<User> = {};
        for (const key of ['name', 'surname', 'locale'] as const) {
          if (dto[key] !== undefined && dto[key] !== user[key]) {
            fields[key] = dto[key];
            changed.push(key);
          }
        }
        if (dto.role !== undefined && dto.role !== user.role) {
          assertMayGrant(actor, dto.role);
          if (user.role === 'root' && (await this.users.countOtherActiveRoots(user.id, m)) === 0) {
            throw UsersErrors.last_root();
          }
          fields.role = dto.role;
          changed.push('role');
        }
        const newEmail = dto.email?.toLowerCase();
        const oldEmail = user.email;
        if (newEmail !== undefined && newEmail !== user.email) {
          if (await this.users.findByEmail(newEmail, m)) throw UsersErrors.user_exists();
          fields.email = newEmail;
          fields.isConfirmed = false;
          changed.push('email');
        }
        if (changed.length) {
          await this.users.update(user.id, fields, m);
          if (fields.email) {
            // An invited user who has not chosen a password yet must still be able to.
            const moved = {
              id: user.id,
              email: fields.email,
              locale: fields.locale ?? user.locale,
            };
            await this.accountMail.sendAddressConfirmation(
              m,
              moved,
              await this.accounts.hasPassword(user.id, m),
            );
            await this.notices.emailChanged(m, moved, oldEmail);
          }
        }
        audit.changed(changed);
        if (fields.role) audit.addDetails({ role: { from: user.role, to: fields.role } });
        // Nothing changed, nothing to report: the interceptor records the request as before.
        if (changed.length) await audit.recordIn(m);
        return UserResponseDto.from(await this.accounts.mustFind(id, m));
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw UsersErrors.user_exists();
      throw e;
    }
  }
}
