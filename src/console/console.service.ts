import { Inject, Injectable } from '@nestjs/common';
import { auditRefusal } from '../audit/audit-failures';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import type { LoginDto, LoginMfaDto, MfaRequiredDto } from '../auth/dto/login.dto';
import type { TokenInfoDto } from '../auth/dto/token-info.dto';
import type { LoginResult } from '../auth/sign-in.service';
import { SignInService } from '../auth/sign-in.service';
import { ADMIN_ROLES } from '../common/auth-user';
import type { AppError } from '../common/errors';
import type { RequestMeta } from '../common/request-meta';
import { authConfig, AuthConfig } from '../config/config';
import { SessionsService } from '../sessions/sessions.service';
import type { OAuthExchangeDto } from '../identities/dto/identities.dto';
import { IdentitiesService } from '../identities/identities.service';
import { ConsoleErrors } from './console.errors';
import { CommonErrors } from '../common/errors';

/** A console sign-in: the answer, and the token for the cookie (never for the body). */
export type ConsoleSignIn =
  | { body: TokenInfoDto; token: string; expiresAt: Date }
  /** The admin has a second factor: the step of POST /admin/session/mfa comes next. */
  | { body: MfaRequiredDto; token?: undefined; expiresAt?: undefined };

/** Which sign-in route was asked (for the audit record of a refusal), with the address given. */
interface Attempt {
  path: string;
  email?: string;
}

/**
 * The console's sign-in: the API's login by password or through a provider (same throttle, audit
 * and rules, and the second factor through the same mfa_token), kept only for a root or admin.
 * Anyone else's fresh session (or mfa_token) is ended at once, so the console never holds one. An
 * admin whose role MFA_REQUIRED_ROLES names gets no console session without the second factor
 * either: every page would answer 403 `mfa_required`.
 */
@Injectable()
export class ConsoleService {
  constructor(
    private readonly auth: AuthService,
    private readonly signInFlow: SignInService,
    private readonly identities: IdentitiesService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
  ) {}

  /** POST /admin/session: the address and password. */
  async signIn(dto: LoginDto, meta: RequestMeta): Promise<ConsoleSignIn> {
    const result = await this.auth.login(dto, meta);
    return this.keepIfAdmin(result, { path: '/admin/session', email: dto.email }, meta);
  }

  /** POST /admin/session/oauth: the code a provider sign-in brought back, and its verifier. */
  async providerSignIn(dto: OAuthExchangeDto, meta: RequestMeta): Promise<ConsoleSignIn> {
    const result = await this.identities.exchange(dto, meta);
    return this.keepIfAdmin(result, { path: '/admin/session/oauth' }, meta);
  }

  /** POST /admin/session/mfa: the mfa_token of the first step and a TOTP or recovery code. */
  async secondFactor(dto: LoginMfaDto, meta: RequestMeta): Promise<ConsoleSignIn> {
    const result = await this.auth.loginMfa(dto, meta);
    return this.keepIfAdmin(result, { path: '/admin/session/mfa' }, meta);
  }

  /**
   * A login's result kept for the console, or ended: a root's or admin's session (or their
   * second step); anyone else's session or mfa_token ends here and the sign-in is refused.
   */
  private async keepIfAdmin(
    result: LoginResult,
    from: Attempt,
    meta: RequestMeta,
  ): Promise<ConsoleSignIn> {
    if (!result.session) {
      const body = result.body as MfaRequiredDto;
      // Not an admin: no second step is offered (and the mfa_token ends here).
      const user = await this.signInFlow.pendingUser(body.mfa_token);
      if (!user || !ADMIN_ROLES.includes(user.role)) {
        await this.signInFlow.dropChallenge(body.mfa_token);
        const who = user ? { id: user.id, email: user.email } : null;
        throw await this.refuse(ConsoleErrors.not_an_admin(), who, from, meta);
      }
      return { body };
    }
    const { token, expiresAt } = result.session;
    const live = await this.sessions.validate(token);
    const who = live ? { id: live.user.id, email: live.user.email } : null;
    if (!live || !ADMIN_ROLES.includes(live.user.role)) {
      if (live) await this.sessions.revoke(live.user.id, live.session.id);
      throw await this.refuse(ConsoleErrors.not_an_admin(), who, from, meta);
    }
    if (live.session.aal < 2 && this.cfg.mfaRequiredRoles.includes(live.user.role)) {
      await this.sessions.revoke(live.user.id, live.session.id);
      const error = CommonErrors.mfa_required({
        message:
          'Your role must sign in with a second factor: turn one on for your account ' +
          '(POST /mfa/totp), then sign in here again.',
      });
      throw await this.refuse(error, who, from, meta);
    }
    return { token, expiresAt, body: this.auth.describeSession(live) };
  }

  /**
   * Records a refused console sign-in as access_denied (outcome: the error's code; the target is
   * `who`, else the address given) and returns the error to throw.
   */
  private refuse<E extends AppError>(
    error: E,
    who: { id: string; email: string } | null,
    from: Attempt,
    meta: RequestMeta,
  ): Promise<E> {
    const details = { method: 'POST', path: from.path };
    return auditRefusal(
      this.audit,
      { action: 'access_denied', actor: who, target: who, email: from.email, details, meta },
      error,
    );
  }
}
