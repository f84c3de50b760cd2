import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { auditFailures } from '../audit/audit-failures';
import { AuditService } from '../audit/audit.service';
import { LoginResult, SignInService } from '../auth/sign-in.service';
import type { AuthUser } from '../common/auth-user';
import type { RequestMeta } from '../common/request-meta';
import { isBlocked } from '../common/user-status';
import { authConfig, type AuthConfig, oauthConfig, type OAuthConfig } from '../config/config';
import type { OAuthProviderSettings } from '../config/settings';
import { SecretBox, SecretBoxError } from '../crypto/secret-box';
import { isUniqueViolation } from '../database/sql';
import { MailCatalog } from '../mail/mail-catalog';
import { PasskeysService } from '../passkeys/passkeys.service';
import { SessionsService } from '../sessions/sessions.service';
import type { UserAccount } from '../users/user-account';
import { UsersService } from '../users/users.service';
import type {
  IdentityDto,
  IdentityListDto,
  OAuthExchangeDto,
  OAuthStartQueryDto,
  ProviderListDto,
} from './dto/identities.dto';
import { IdentitiesErrors } from './identities.errors';
import { IdentitiesRepository } from './identities.repository';
import type { Identity } from './identity.entity';
import { FLOW_TTL_MS } from './oauth-flow-cookie';
import {
  type FlowSecrets,
  OAuthProviders,
  ProviderFailed,
  type ProviderProfile,
} from './oauth-providers.service';
import { allowedRedirect, withParams } from './redirect-target';

/** How long the code handed back to the app lives (single use). */
export const CODE_TTL_MS = 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the flow cookie holds, sealed: the provider, the app's return and PKCE, our secrets. */
interface Flow extends FlowSecrets {
  provider: string;
  redirectTo: string;
  appChallenge: string;
  expiresAt: number;
}

/** The `error` a provider sign-in hands back to the app on `redirect_to`. */
type SignInRefusal =
  | 'email_not_verified'
  | 'signup_disabled'
  | 'access_denied'
  | 'invalid_state'
  | 'provider_error'
  | 'provider_unavailable'
  | 'server_error';

/**
 * The browser's return from the provider: the app's PKCE challenge, the language of a new
 * account (the browser's Accept-Language, as at sign-up) and the request.
 */
interface Arrival {
  appChallenge: string;
  locale: string;
  meta: RequestMeta;
}

/** A parallel sign-in of the same person linked or created first: the transaction runs again. */
class LostRace extends Error {}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * Sign-in with another provider, after the protocol (OAuthProviders): which account the person
 * gets, the code handed back to the app and its exchange for a session, and the linked identities.
 *
 * The account rules (docs/providers.md): a linked `(provider, subject)` signs in to its account;
 * otherwise only an address the provider verified counts: none → a new confirmed account without
 * a password (unless SIGNUP_ENABLED=false), a confirmed account → linked, an unconfirmed one →
 * confirmed and linked, with the password set before its address was proven removed and its
 * sessions ended (pre-account-hijacking). A blocked account gets `access_denied`. All of it in
 * one transaction with the code, under the user's row lock.
 */
@Injectable()
export class IdentitiesService {
  private readonly logger = new Logger(IdentitiesService.name);

  constructor(
    private readonly providers: OAuthProviders,
    private readonly repo: IdentitiesRepository,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly signIn: SignInService,
    private readonly audit: AuditService,
    private readonly passkeys: PasskeysService,
    private readonly box: SecretBox,
    private readonly catalog: MailCatalog,
    @Inject(oauthConfig.KEY) private readonly cfg: OAuthConfig,
    @Inject(authConfig.KEY) private readonly auth: AuthConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  listProviders(): ProviderListDto {
    return {
      providers: this.providers.list().map((p) => ({ name: p.name, display_name: p.displayName })),
    };
  }

  /**
   * GET /login/oauth/{provider}: where to send the browser, and the sealed flow for its cookie
   * (none when the provider cannot be reached: the browser goes back to the app with `error`).
   */
  async start(name: string, q: OAuthStartQueryDto): Promise<{ location: string; flow?: string }> {
    const p = this.mustFindProvider(name);
    const target = allowedRedirect(q.redirect_to, this.cfg.redirectUrls);
    if (!target) throw IdentitiesErrors.invalid_redirect();
    const secrets = OAuthProviders.newSecrets();
    let location: string;
    try {
      location = await this.providers.authorizationUrl(p, secrets);
    } catch (e) {
      if (!(e instanceof ProviderFailed)) throw e;
      return { location: withParams(target, { error: e.code }) };
    }
    const flow: Flow = {
      ...secrets,
      provider: p.name,
      redirectTo: target.href,
      appChallenge: q.code_challenge,
      expiresAt: Date.now() + FLOW_TTL_MS,
    };
    return { location, flow: this.box.seal(JSON.stringify(flow), 'oauth-flow') };
  }

  /**
   * GET /login/oauth/{provider}/callback: the provider's answer, checked against this browser's
   * flow; where to send the browser: `redirect_to` with a `code`, or with an `error`. Only a
   * callback without a flow of this browser is refused here (there is nowhere to send it).
   */
  async callback(
    name: string,
    query: URLSearchParams,
    sealedFlow: string | undefined,
    meta: RequestMeta,
    acceptLanguage?: string,
  ): Promise<string> {
    const p = this.mustFindProvider(name);
    const flow = this.openFlow(sealedFlow);
    if (!flow || flow.provider !== p.name) throw IdentitiesErrors.invalid_oauth_state();
    const target = new URL(flow.redirectTo);
    const method = `oauth:${p.name}`;
    const refuse = async (error: SignInRefusal, user?: { id: string; email: string }) => {
      await this.audit.recordQuietly({
        action: 'login',
        outcome: error,
        target: user ?? null,
        details: { method },
        meta,
      });
      return withParams(target, { error });
    };
    const state = query.get('state') ?? '';
    if (!safeEqual(state, flow.state)) return refuse('invalid_state');
    const providerError = query.get('error');
    if (providerError !== null) {
      // A denied consent, or the provider's own refusal: told to the app, never a 500.
      return refuse(providerError === 'access_denied' ? 'access_denied' : 'provider_error');
    }
    let profile: ProviderProfile;
    try {
      profile = await this.providers.finish(p, query, flow);
    } catch (e) {
      if (e instanceof ProviderFailed) return refuse(e.code);
      throw e;
    }
    try {
      const locale = this.catalog.resolve({ acceptLanguage });
      const arrival = { appChallenge: flow.appChallenge, locale, meta };
      const outcome = await this.signedInAccount(p, profile, arrival);
      if ('error' in outcome) return refuse(outcome.error, outcome.user);
      return withParams(target, { code: outcome.code });
    } catch (e) {
      this.logger.error(`sign-in with ${p.name} failed: ${String(e)}`, (e as Error)?.stack);
      return refuse('server_error');
    }
  }

  /** POST /login/oauth/exchange: the code and its `code_verifier` give a session, as POST /login. */
  exchange(dto: OAuthExchangeDto, meta: RequestMeta): Promise<LoginResult> {
    return auditFailures(this.audit, { action: 'login', meta, details: { method: 'oauth' } }, () =>
      this.redeem(dto, meta),
    );
  }

  private async redeem(dto: OAuthExchangeDto, meta: RequestMeta): Promise<LoginResult> {
    // Used up by this one statement whatever follows: a wrong verifier spends it too.
    const code = await this.repo.redeemCode(sha256(dto.code).toString('hex'));
    if (!code) throw IdentitiesErrors.invalid_oauth_code();
    const challenge = sha256(dto.code_verifier).toString('base64url');
    if (!safeEqual(challenge, code.codeChallenge)) throw IdentitiesErrors.invalid_oauth_code();
    const check = await this.users.checkProviderSignIn(code.userId);
    if (!check.user || isBlocked(check.user)) throw IdentitiesErrors.invalid_oauth_code();
    const result = await this.signIn.afterFirstFactor(check.user, check, {
      method: 'oauth',
      auditMethod: `oauth:${code.provider}`,
      meta,
    });
    // Blocked, reset or moved since the callback: no session.
    if (result === 'changed') throw IdentitiesErrors.invalid_oauth_code();
    return result;
  }

  /** GET /me/identities */
  async listOwn(userId: string): Promise<IdentityListDto> {
    return { identities: (await this.repo.listForUser(userId)).map(toDto) };
  }

  /** GET /users/{id}/identities (admins): 404 user_not_found for an unknown user. */
  async listOfUser(userId: string): Promise<IdentityListDto> {
    await this.users.mustFind(userId);
    return this.listOwn(userId);
  }

  /**
   * DELETE /me/identities/{id}: unlinks, unless it is the account's last way in. Under the user's
   * row lock, so two unlinks at once (or an unlink and a password removal) cannot both pass.
   */
  async unlink(user: AuthUser, id: string, meta: RequestMeta): Promise<void> {
    if (!UUID.test(id)) throw IdentitiesErrors.identity_not_found();
    await this.db.transaction(async (m) => {
      await this.users.lockForLogin(user.id, m);
      const identities = await this.repo.listForUser(user.id, m);
      const identity = identities.find((i) => i.id === id);
      if (!identity) throw IdentitiesErrors.identity_not_found();
      if (!(await this.keepsAWayIn(user.id, identities.length - 1, m))) {
        throw IdentitiesErrors.last_sign_in_method();
      }
      await this.repo.deleteForUser(user.id, id, m);
      await this.audit.record(
        {
          action: 'identity_unlink',
          outcome: 'success',
          actor: { id: user.id, email: user.email },
          target: { id: user.id, email: user.email },
          details: { provider: identity.provider, identity_id: identity.id },
          meta,
        },
        m,
      );
    });
  }

  /**
   * The one rule for "is there still a way into this account" without one identity: an emailed
   * code (while LOGIN_CODE_ENABLED), a password, a passkey, or another linked identity.
   */
  private async keepsAWayIn(
    userId: string,
    otherIdentities: number,
    m: EntityManager,
  ): Promise<boolean> {
    if (this.auth.loginCodeEnabled) return true;
    if (otherIdentities > 0) return true;
    if (await this.users.hasPassword(userId, m)) return true;
    return (await this.passkeys.count(userId, m)) > 0;
  }

  /**
   * The account rules, in one transaction with the code for the app. Run again once when a
   * parallel sign-in of the same person (or the same address) won a unique index meanwhile.
   */
  private async signedInAccount(
    p: OAuthProviderSettings,
    profile: ProviderProfile,
    arrival: Arrival,
  ): Promise<{ code: string } | { error: SignInRefusal; user?: { id: string; email: string } }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction((m) => this.resolve(m, p, profile, arrival));
      } catch (e) {
        if (attempt === 0 && (e instanceof LostRace || isUniqueViolation(e))) continue;
        throw e;
      }
    }
  }

  private async resolve(
    m: EntityManager,
    p: OAuthProviderSettings,
    profile: ProviderProfile,
    { appChallenge, locale, meta }: Arrival,
  ): Promise<{ code: string } | { error: SignInRefusal; user?: { id: string; email: string } }> {
    const email = profile.email?.trim().toLowerCase().normalize('NFC') ?? null;
    const verifiedEmail = profile.emailVerified && email && email.length <= 254 ? email : null;
    const identity = await this.repo.lockByProviderSubject(p.name, profile.subject, m);
    let user: UserAccount;
    if (identity) {
      const locked = await this.users.lockForLogin(identity.userId, m);
      if (!locked) throw new LostRace();
      user = locked.user;
      if (isBlocked(user)) return { error: 'access_denied', user };
      await this.repo.markUsed(identity.id, verifiedEmail, m);
    } else {
      if (!verifiedEmail) return { error: 'email_not_verified' };
      const linked = await this.linkByAddress(m, p, profile.subject, verifiedEmail, {
        locale,
        meta,
      });
      if ('error' in linked) return linked;
      user = linked.user;
    }
    const code = randomBytes(32).toString('base64url');
    await this.repo.insertCode(
      {
        codeHash: sha256(code).toString('hex'),
        userId: user.id,
        provider: p.name,
        codeChallenge: appChallenge,
      },
      CODE_TTL_MS,
      m,
    );
    return { code };
  }

  /** No identity yet: the account of the verified address (made when there is none), linked. */
  private async linkByAddress(
    m: EntityManager,
    p: OAuthProviderSettings,
    subject: string,
    email: string,
    { locale, meta }: Omit<Arrival, 'appChallenge'>,
  ): Promise<
    { user: UserAccount } | { error: SignInRefusal; user?: { id: string; email: string } }
  > {
    const found = await this.users.findByEmail(email, m);
    let user: UserAccount;
    const details: Record<string, unknown> = { provider: p.name };
    if (!found) {
      if (!this.auth.signupEnabled) return { error: 'signup_disabled' };
      user = await this.users.create({ email, isConfirmed: true, passwordHash: null, locale }, m);
      await this.audit.record(
        {
          action: 'register',
          outcome: 'success',
          target: { id: user.id, email },
          details: { method: `oauth:${p.name}` },
          meta,
        },
        m,
      );
      details.account_created = true;
    } else {
      const locked = await this.users.lockForLogin(found.id, m);
      if (!locked) throw new LostRace();
      user = locked.user;
      if (isBlocked(user)) return { error: 'access_denied', user };
      if (!user.isConfirmed) {
        // Pre-account-hijacking: whoever registered this address before its owner proved it
        // keeps neither the password they chose nor their sessions.
        details.old_credentials_removed = await this.users.hasPassword(user.id, m);
        await this.users.confirmWithoutPassword(user.id, m);
        details.address_confirmed = true;
        details.sessions_ended = await this.sessions.revokeAllForUser(user.id, { manager: m });
        user = { ...user, isConfirmed: true };
        // The provider proved the address: recorded as any confirmation is (and its event sent).
        await this.audit.record(
          {
            action: 'email_confirm',
            outcome: 'success',
            actor: { id: user.id, email: user.email },
            target: { id: user.id, email: user.email },
            details: { method: `oauth:${p.name}` },
            meta,
          },
          m,
        );
      }
    }
    const identity = await this.repo.link({ userId: user.id, provider: p.name, subject, email }, m);
    if (!identity) throw new LostRace();
    await this.audit.record(
      {
        action: 'identity_link',
        outcome: 'success',
        actor: { id: user.id, email: user.email },
        target: { id: user.id, email: user.email },
        details: { ...details, identity_id: identity.id },
        meta,
      },
      m,
    );
    return { user };
  }

  private mustFindProvider(name: string): OAuthProviderSettings {
    const p = this.providers.find(name);
    if (!p) throw IdentitiesErrors.provider_not_found();
    return p;
  }

  private openFlow(sealed: string | undefined): Flow | undefined {
    if (!sealed || sealed.length > 4096) return undefined;
    try {
      const flow = JSON.parse(this.box.open(sealed, 'oauth-flow')) as Flow;
      return flow.expiresAt > Date.now() ? flow : undefined;
    } catch (e) {
      if (e instanceof SecretBoxError || e instanceof SyntaxError) return undefined;
      throw e;
    }
  }
}

function toDto(i: Identity): IdentityDto {
  return {
    id: i.id,
    provider: i.provider,
    email: i.email,
    created_at: i.createdAt.toISOString(),
    last_used_at: i.lastUsedAt?.toISOString() ?? null,
  };
}

/** Compares two strings in time independent of where they differ. */
function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
