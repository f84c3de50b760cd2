import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import type { LoginDto } from '../auth/dto/login.dto';
import type { TokenInfoDto } from '../auth/dto/token-info.dto';
import { ADMIN_ROLES } from '../common/auth-user';
import type { RequestMeta } from '../common/request-meta';
import { SessionsService } from '../sessions/sessions.service';
import { NotAnAdminError } from './console.errors';

/** A console sign-in: the answer, and the token for the cookie (never for the body). */
export interface ConsoleSignIn {
  body: TokenInfoDto;
  token: string;
  expiresAt: Date;
}

/**
 * The console's sign-in: the API's login (same throttle, audit and rules), kept only for a root
 * or admin. Anyone else's fresh session is ended at once, so the console never holds one.
 */
@Injectable()
export class ConsoleService {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  async signIn(dto: LoginDto, meta: RequestMeta): Promise<ConsoleSignIn> {
    const { token, expiresAt, body } = await this.auth.login(dto, meta);
    const row = await this.sessions.validate(token);
    if (!row || !ADMIN_ROLES.includes(row.role)) {
      if (row) await this.sessions.revoke(row.id, body.session_id);
      await this.audit.recordQuietly({
        action: 'access_denied',
        outcome: 'not_an_admin',
        actor: row ? { id: row.id, email: row.email } : null,
        target: row ? { id: row.id, email: row.email } : { email: dto.email },
        details: { method: 'POST', path: '/admin/session' },
        meta,
      });
      throw new NotAnAdminError();
    }
    return { token, expiresAt, body: this.auth.describeSession(row) };
  }
}
