import { Injectable } from '@nestjs/common';
import type { AuditContext } from '../audit/audit-context';
import { AuditHistoryService } from '../audit/audit-history.service';
import type { AuthUser } from '../common/auth-user';
import { IdentitiesService } from '../identities/identities.service';
import { MfaService } from '../mfa/mfa.service';
import { PasskeysService } from '../passkeys/passkeys.service';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { AccountExportDto, MeDto, UpdateMeDto } from './dto/me.dto';
import { UsersErrors } from '../users/users.errors';

/** The caller's own profile and the copy of their data. */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly history: AuditHistoryService,
    private readonly mfa: MfaService,
    private readonly passkeys: PasskeysService,
    private readonly identities: IdentitiesService,
  ) {}

  async me(user: AuthUser): Promise<MeDto> {
    const found = await this.users.findById(user.id);
    if (!found) throw UsersErrors.user_not_found();
    return MeDto.fromUser(
      found,
      await this.mfa.isEnabled(user.id),
      await this.passkeys.count(user.id),
    );
  }

  /** Changes name, surname or locale; the audit record names the fields that changed. */
  async update(user: AuthUser, dto: UpdateMeDto, audit: AuditContext): Promise<MeDto> {
    audit.setTarget(user);
    const { user: updated, changed } = await this.users.updateProfile(user.id, dto, (fields, m) =>
      audit.changed(fields).recordIn(m),
    );
    audit.changed(changed);
    return MeDto.fromUser(
      updated,
      await this.mfa.isEnabled(user.id),
      await this.passkeys.count(user.id),
    );
  }

  /**
   * Everything held about the caller (GDPR art. 15 and 20): profile, live sessions, passkeys,
   * linked providers, and the audit records they acted in or were the target of. No hash, code,
   * token or key: the DTOs carry none.
   */
  async export(user: AuthUser, audit: AuditContext): Promise<AccountExportDto> {
    audit.setTarget(user);
    const [profile, { sessions }, { passkeys }, { identities }, records] = await Promise.all([
      this.me(user),
      this.sessions.listOwn(user),
      this.passkeys.list(user.id),
      this.identities.listOwn(user.id),
      this.history.allOfUser(user.id),
    ]);
    audit.addDetails({ sessions: sessions.length, audit_records: records.length });
    return {
      exported_at: new Date().toISOString(),
      profile,
      sessions,
      passkeys,
      identities,
      audit_records: records,
    };
  }
}
