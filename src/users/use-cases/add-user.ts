import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AuditContext } from '../../audit/audit-context';
import type { AuthUser } from '../../common/auth-user';
import { isUniqueViolation } from '../../database/sql';
import type { Transactions } from '../../database/transactions';
import { MailCatalog } from '../../mail/mail-catalog';
import { AccountMailService } from '../../otp/account-mail.service';
import { PasswordPolicy } from '../../passwords/password-policy';
import { PasswordService } from '../../passwords/password.service';
import { AddUserDto } from '../dto/add-user.dto';
import { UserResponseDto } from '../dto/user-response.dto';
import { assertMayGrant } from '../role-rules';
import { UsersRepository } from '../users.repository';
import { UsersErrors } from '../users.errors';

/** What the rules below use of the classes they are given; unit specs pass fakes of these. */
export type AddUsers = Pick<UsersRepository, 'findByEmail' | 'create'>;
export type AddPasswords = Pick<PasswordService, 'hash'>;
export type AddPolicy = Pick<PasswordPolicy, 'check'>;
export type AddMail = Pick<AccountMailService, 'sendInvitation'>;
export type AddLocales = Pick<MailCatalog, 'defaultLocale'>;

/** POST /users/add: an admin adds a user; the mail goes to the outbox in the same transaction. */
@Injectable()
export class AddUser {
  constructor(
    @Inject(UsersRepository) private readonly users: AddUsers,
    @Inject(PasswordService) private readonly passwords: AddPasswords,
    @Inject(PasswordPolicy) private readonly policy: AddPolicy,
    @Inject(AccountMailService) private readonly accountMail: AddMail,
    @Inject(MailCatalog) private readonly catalog: AddLocales,
    @InjectDataSource() private readonly db: Transactions,
  ) {}

  async execute(actor: AuthUser, dto: AddUserDto, audit: AuditContext): Promise<UserResponseDto> {
    audit.setTarget({ email: dto.email.toLowerCase() }).addDetails({ role: dto.role ?? 'user' });
    const role = dto.role ?? 'user';
    assertMayGrant(actor, role);
    if (dto.password1 !== undefined && dto.password !== dto.password1)
      throw UsersErrors.passwords_dont_match();
    if (dto.password !== undefined) this.policy.check(dto.password, dto.email);
    const passwordHash =
      dto.password !== undefined ? await this.passwords.hash(dto.password) : null;
    try {
      const user = await this.db.transaction(async (m) => {
        if (await this.users.findByEmail(dto.email, m)) throw UsersErrors.user_exists();
        const created = await this.users.create(
          {
            email: dto.email,
            name: dto.name ?? null,
            surname: dto.surname ?? null,
            role,
            passwordHash,
            locale: dto.locale ?? this.catalog.defaultLocale,
          },
          m,
        );
        await this.accountMail.sendInvitation(m, created, { setPassword: passwordHash === null });
        await audit.setTarget(created).recordIn(m);
        return created;
      });
      audit.setTarget(user);
      return UserResponseDto.from(user);
    } catch (e) {
      if (isUniqueViolation(e)) throw UsersErrors.user_exists();
      throw e;
    }
  }
}
