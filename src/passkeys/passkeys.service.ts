import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditContext } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { ChallengeService } from '../challenge/challenge.service';
import type { AuthUser } from '../common/auth-user';
import type { RequestMeta } from '../common/request-meta';
import { webauthnConfig, type WebAuthnConfig } from '../config/config';
import { ChangeEvents } from '../events/change-events.service';
import { SecurityNotices } from '../notices/security-notices.service';
import { OwnerProof, type OwnerProofGiven } from '../owner-proof/owner-proof.service';
import { UsersService } from '../users/users.service';
import type {
  AuthenticationOptionsDto,
  PasskeyDto,
  PasskeyListDto,
  RegistrationOptionsDto,
} from './dto/passkey.dto';
import { PasskeysErrors } from './passkeys.errors';
import { PasskeysRepository, type PasskeyRow } from './passkeys.repository';

/** How long a WebAuthn challenge lives (and the browser's ceremony timeout). */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why a passkey sign-in was refused (the audit record's `details.reason`). */
export type PasskeySignInRefusal =
  | 'challenge_spent'
  | 'unknown_credential'
  | 'verification_failed'
  | 'user_handle_mismatch'
  | 'counter_regressed';

export type PasskeySignIn =
  | { ok: true; userId: string; passkeyId: string; userVerified: boolean }
  | { ok: false; reason: PasskeySignInRefusal; userId?: string; passkeyId?: string };

/**
 * Passkeys (WebAuthn, through @simplewebauthn/server): enrolment behind the owner proof, the
 * user's and the admins' passkey routes, the checks of a sign-in (the session itself is opened by
 * the sign-in in auth/), and the passkey answer at the second-factor step.
 *
 * Every challenge is single use (taken by one DELETE ... RETURNING, so of parallel uses one wins),
 * lives five minutes, and is bound: an enrolment's to the session that asked for it, a
 * second-factor one to its mfa_token. The signature counter is checked here, not by the library,
 * so that a counter that went back is told apart (and recorded) from a bad signature.
 */
@Injectable()
export class PasskeysService implements OnModuleInit {
  private readonly logger = new Logger(PasskeysService.name);

  constructor(
    private readonly repo: PasskeysRepository,
    private readonly users: UsersService,
    private readonly proof: OwnerProof,
    private readonly notices: SecurityNotices,
    private readonly events: ChangeEvents,
    private readonly audit: AuditService,
    private readonly challenges: ChallengeService,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(webauthnConfig.KEY) private readonly rp: WebAuthnConfig,
  ) {}

  /** A passkey answers the sign-in challenge (POST /login/mfa) of a user who has one. */
  onModuleInit(): void {
    this.challenges.register({
      methods: ['passkey'],
      offeredTo: async (userId) => (await this.repo.countForUser(userId)) > 0,
      verify: async (userId, answer, key) =>
        answer.passkey && (await this.verifyMfa(userId, answer.passkey, key)) ? 'passkey' : null,
    });
  }

  // Enrolment

  /** POST /me/passkeys/options: after the owner proof, creation options bound to this session. */
  async registrationOptions(
    user: AuthUser,
    given: OwnerProofGiven,
    session: { createdAt: Date },
    audit: AuditContext,
  ): Promise<RegistrationOptionsDto> {
    audit.setTarget(user);
    await this.proof.prove(user, given, { action: 'passkeys', session });
    const handle = await this.repo.handleOf(user.id, randomBytes(32).toString('base64url'));
    const existing = await this.repo.listForUser(user.id);
    const options = await generateRegistrationOptions({
      rpName: this.rp.rpName,
      rpID: this.rp.rpId,
      userName: user.email,
      userDisplayName: user.email,
      userID: Buffer.from(handle, 'base64url'),
      timeout: PASSKEY_CHALLENGE_TTL_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    const { id } = await this.repo.insertChallenge(
      'register',
      options.challenge,
      { userId: user.id, sessionId: user.sessionId },
      PASSKEY_CHALLENGE_TTL_MS,
    );
    return { challenge_id: id, options: options as unknown as Record<string, unknown> };
  }

  /** POST /me/passkeys: the authenticator's answer to the options becomes a passkey. */
  async add(
    user: AuthUser,
    dto: { challenge_id: string; response: object; name?: string },
    audit: AuditContext,
  ): Promise<PasskeyDto> {
    audit.setTarget(user);
    const expected = await this.repo.takeChallenge('register', {
      id: dto.challenge_id,
      userId: user.id,
      sessionId: user.sessionId,
    });
    if (!expected) throw withReason(audit, 'challenge_spent', PasskeysErrors.invalid_passkey());
    let info;
    try {
      const verified = await verifyRegistrationResponse({
        response: dto.response as RegistrationResponseJSON,
        expectedChallenge: expected,
        expectedOrigin: this.rp.origins,
        expectedRPID: this.rp.rpId,
        requireUserVerification: false,
      });
      if (!verified.verified) throw new Error('not verified');
      info = verified.registrationInfo;
    } catch (e) {
      this.logger.debug({ msg: 'passkey registration refused', err: String(e) });
      throw withReason(audit, 'verification_failed', PasskeysErrors.invalid_passkey());
    }
    const name =
      dto.name?.trim() || defaultName(info.credentialDeviceType, info.credentialBackedUp);
    const row = await this.db.transaction(async (m) => {
      const locked = await this.users.lockForLogin(user.id, m);
      if (!locked) throw PasskeysErrors.invalid_passkey();
      const added = await this.repo.insert(
        {
          userId: user.id,
          credentialId: info.credential.id,
          publicKey: info.credential.publicKey,
          counter: info.credential.counter,
          transports: info.credential.transports ?? [],
          backedUp: info.credentialBackedUp,
          deviceType: info.credentialDeviceType,
          name,
        },
        m,
      );
      if (!added) throw PasskeysErrors.passkey_exists();
      // GET /validate_token answers the count: a change of what token checks read.
      await this.events.userChanged(m, user.id);
      await this.notices.passkeyAdded(m, locked.user, added.name);
      // Recorded with the change, so the webhook event it makes commits (or rolls back) with it.
      audit.addDetails({
        key_id: added.id,
        backed_up: added.backedUp,
        device_type: added.deviceType,
      });
      await audit.recordIn(m);
      return added;
    });
    return toDto(row);
  }

  // The user's own passkeys

  async list(userId: string): Promise<PasskeyListDto> {
    return { passkeys: (await this.repo.listForUser(userId)).map(toDto) };
  }

  /** How many passkeys the account has; in `m`'s transaction when given. */
  count(userId: string, m?: EntityManager): Promise<number> {
    return this.repo.countForUser(userId, m);
  }

  async rename(user: AuthUser, id: string, name: string, audit: AuditContext): Promise<PasskeyDto> {
    audit.setTarget(user);
    const row = UUID.test(id) ? await this.repo.rename(user.id, id, name.trim()) : undefined;
    if (!row) throw PasskeysErrors.passkey_not_found();
    audit.addDetails({ key_id: row.id });
    return toDto(row);
  }

  /** DELETE /me/passkeys/{id}: after the owner proof. */
  async remove(
    user: AuthUser,
    id: string,
    given: OwnerProofGiven,
    session: { createdAt: Date },
    audit: AuditContext,
  ): Promise<void> {
    audit.setTarget(user);
    if (!UUID.test(id) || !(await this.repo.findOfUser(user.id, id))) {
      throw PasskeysErrors.passkey_not_found();
    }
    await this.proof.prove(user, given, { action: 'passkeys', session });
    await this.removeOf(user.id, id, audit);
  }

  // Admin

  /** GET /users/{id}/passkeys. */
  async listOf(id: string): Promise<PasskeyListDto> {
    const user = await this.users.mustFind(id);
    return this.list(user.id);
  }

  /** DELETE /users/{id}/passkeys/{passkey_id}: role rules as for updates. */
  async adminRemove(
    actor: AuthUser,
    userId: string,
    passkeyId: string,
    audit: AuditContext,
  ): Promise<void> {
    const target = await this.users.findManageable(actor, userId);
    audit.setTarget(target);
    if (!UUID.test(passkeyId)) throw PasskeysErrors.passkey_not_found();
    await this.removeOf(target.id, passkeyId, audit);
  }

  private async removeOf(userId: string, id: string, audit: AuditContext): Promise<void> {
    await this.db.transaction(async (m) => {
      const locked = await this.users.lockForLogin(userId, m);
      const removed = locked && (await this.repo.delete(userId, id, m));
      if (!locked || !removed) throw PasskeysErrors.passkey_not_found();
      await this.events.userChanged(m, userId);
      await this.notices.passkeyRemoved(m, locked.user, removed.name);
      audit.addDetails({ key_id: removed.id });
      await audit.recordIn(m);
    });
  }

  // Sign-in

  /** POST /login/passkey/options: a challenge for any passkey of this site (usernameless). */
  async signInOptions(): Promise<AuthenticationOptionsDto> {
    const options = await generateAuthenticationOptions({
      rpID: this.rp.rpId,
      allowCredentials: [],
      userVerification: 'preferred',
      timeout: PASSKEY_CHALLENGE_TTL_MS,
    });
    const { id } = await this.repo.insertChallenge(
      'login',
      options.challenge,
      {},
      PASSKEY_CHALLENGE_TTL_MS,
    );
    return { challenge_id: id, options: options as unknown as Record<string, unknown> };
  }

  /**
   * POST /login/passkey: whose passkey answered the challenge, and whether the authenticator
   * verified the user; or why not. A counter that went back is recorded here.
   */
  async verifySignIn(
    dto: { challenge_id: string; response: object },
    meta: RequestMeta,
  ): Promise<PasskeySignIn> {
    const expected = await this.repo.takeChallenge('login', { id: dto.challenge_id });
    if (!expected) return { ok: false, reason: 'challenge_spent' };
    const response = dto.response as AuthenticationResponseJSON;
    const passkey = await this.repo.findByCredentialId(response.id);
    if (!passkey) return { ok: false, reason: 'unknown_credential' };
    const refused = { ok: false as const, userId: passkey.userId, passkeyId: passkey.id };
    const handle = response.response.userHandle;
    if (handle !== undefined && handle !== (await this.repo.handleOfUser(passkey.userId))) {
      return { ...refused, reason: 'user_handle_mismatch' };
    }
    const checked = await this.check(passkey, response, expected, meta);
    if (checked !== 'ok' && checked !== 'uv') return { ...refused, reason: checked };
    return {
      ok: true,
      userId: passkey.userId,
      passkeyId: passkey.id,
      userVerified: checked === 'uv',
    };
  }

  /** POST /login/mfa/passkey/options: this user's passkeys, a challenge bound to the mfa_token. */
  async secondFactorOptions(userId: string, key: string): Promise<Record<string, unknown>> {
    const passkeys = await this.repo.listForUser(userId);
    const options = await generateAuthenticationOptions({
      rpID: this.rp.rpId,
      allowCredentials: passkeys.map((p) => ({ id: p.credentialId, transports: p.transports })),
      userVerification: 'preferred',
      timeout: PASSKEY_CHALLENGE_TTL_MS,
    });
    await this.repo.insertChallenge(
      'mfa',
      options.challenge,
      { userId, binding: key },
      PASSKEY_CHALLENGE_TTL_MS,
    );
    return options as unknown as Record<string, unknown>;
  }

  private async verifyMfa(userId: string, answer: object, key: string): Promise<boolean> {
    const expected = await this.repo.takeChallenge('mfa', { userId, binding: key });
    if (!expected) return false;
    const response = answer as AuthenticationResponseJSON;
    const passkey = await this.repo.findByCredentialId(response.id);
    if (!passkey || passkey.userId !== userId) return false;
    const checked = await this.check(passkey, response, expected, undefined);
    return checked === 'ok' || checked === 'uv';
  }

  /**
   * Verifies an assertion against a stored passkey and records its use: 'uv' or 'ok' (verified,
   * with or without user verification), or why not.
   */
  private async check(
    passkey: PasskeyRow,
    response: AuthenticationResponseJSON,
    expectedChallenge: string,
    meta: RequestMeta | undefined,
  ): Promise<'ok' | 'uv' | 'verification_failed' | 'counter_regressed'> {
    let info;
    try {
      const verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.rp.origins,
        expectedRPID: this.rp.rpId,
        // The counter is checked below, so that a regression is told apart and recorded.
        credential: {
          id: passkey.credentialId,
          publicKey: passkey.publicKey,
          counter: 0,
          transports: passkey.transports,
        },
        requireUserVerification: false,
      });
      if (!verified.verified) return 'verification_failed';
      info = verified.authenticationInfo;
    } catch (e) {
      this.logger.debug({ msg: 'passkey assertion refused', err: String(e) });
      return 'verification_failed';
    }
    // A counter that is in use and did not grow: a cloned authenticator, or a replay.
    const counter = info.newCounter;
    const regressed = (counter > 0 || passkey.counter > 0) && counter <= passkey.counter;
    if (regressed || !(await this.repo.recordUse(passkey.id, counter, info.credentialBackedUp))) {
      const target = { id: passkey.userId };
      await this.audit.recordQuietly({
        action: 'passkey_counter_regressed',
        outcome: 'refused',
        actor: null,
        target,
        details: { key_id: passkey.id, stored_counter: passkey.counter, counter },
        meta,
      });
      return 'counter_regressed';
    }
    return info.userVerified ? 'uv' : 'ok';
  }
}

function withReason<E>(audit: AuditContext, reason: string, error: E): E {
  audit.addDetails({ reason });
  return error;
}

function defaultName(deviceType: string, backedUp: boolean): string {
  return backedUp || deviceType === 'multiDevice' ? 'Synced passkey' : 'Security key';
}

function toDto(p: PasskeyRow): PasskeyDto {
  return {
    id: p.id,
    name: p.name,
    created_at: p.createdAt.toISOString(),
    last_used_at: p.lastUsedAt ? p.lastUsedAt.toISOString() : null,
    backed_up: p.backedUp,
    transports: p.transports,
  };
}
