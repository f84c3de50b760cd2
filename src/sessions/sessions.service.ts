import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { auditRefusal } from '../audit/audit-failures';
import { AuditService } from '../audit/audit.service';
import type { AuthUser } from '../common/auth-user';
import { SessionsErrors } from './sessions.errors';
import type { RequestMeta } from '../common/request-meta';
import { authConfig, AuthConfig } from '../config/config';
import { ChangeEvents } from '../events/change-events.service';
import type { SessionListDto } from './dto/session.dto';
import type { LiveSession } from './live-session';
import { LiveSessionCache } from './live-session-cache';
import { Session } from './session.entity';
import {
  hashSessionToken,
  looksLikeSessionToken,
  newSessionToken,
  touchIntervalMs,
} from './session-token';
import { LiveSessionRow, SessionsRepository } from './sessions.repository';

/** Bounds the memory of the write de-duplication; clearing it only costs a few extra writes. */
const MAX_TOUCH_ENTRIES = 50_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NewSession {
  /** The opaque token: given to the client once, never stored. */
  token: string;
  session: Session;
}

export interface ClientInfo {
  ip?: string | null;
  userAgent?: string | null;
}

/** Sessions: create at login, validate on every request, revoke one or all. */
@Injectable()
export class SessionsService implements OnModuleDestroy {
  private readonly logger = new Logger(SessionsService.name);
  private readonly touchAfterMs: number;
  /** When this process last wrote `last_seen_at` per session, so a burst of requests writes once. */
  private readonly touchedAt = new Map<string, number>();
  /** Only on the embedded database, where this process is the only writer (see the class). */
  private readonly memory?: LiveSessionCache;
  private readonly unsubscribe?: () => void;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly audit: AuditService,
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
    events: ChangeEvents,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    this.touchAfterMs = touchIntervalMs(cfg.sessionIdleTimeoutMs);
    if (events.bus.kind === 'in-process') {
      const memory = new LiveSessionCache(cfg.sessionIdleTimeoutMs);
      this.memory = memory;
      this.unsubscribe = events.subscribe((s) => memory.onChange(s));
    }
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /**
   * Opens a session for the user. With SESSION_POLICY=single the user's earlier sessions end in the
   * same transaction (pass `manager` to make it part of the caller's).
   */
  async create(
    userId: string,
    client: ClientInfo,
    manager?: EntityManager,
    aal: 1 | 2 = 1,
  ): Promise<NewSession> {
    const token = newSessionToken();
    if (this.cfg.sessionPolicy === 'single') {
      await this.sessions.revokeAllForUser(userId, undefined, manager);
    }
    const session = await this.sessions.insert(
      {
        userId,
        tokenHash: hashSessionToken(token),
        expiresAt: new Date(Date.now() + this.cfg.sessionTtlMs),
        ip: client.ip?.slice(0, 64) ?? null,
        userAgent: client.userAgent?.slice(0, 512) ?? null,
        aal,
      },
      manager,
    );
    return { token, session };
  }

  /**
   * The live session of a token with its user, or undefined (malformed, unknown, expired, idle,
   * revoked, or the user blocked or unconfirmed). A change counts on the next request: on
   * PostgreSQL every check asks the database; on the embedded one, memory kept exact by the
   * change events answers (LiveSessionCache).
   */
  async validate(token: string): Promise<LiveSession | undefined> {
    if (!looksLikeSessionToken(token)) return undefined;
    const hash = hashSessionToken(token);
    const remembered = this.memory?.get(hash);
    if (remembered) {
      this.touchInBackground(remembered.session_id);
      return toLiveSession(remembered);
    }
    const mark = this.memory?.mark() ?? 0;
    const row = await this.sessions.findLiveByTokenHash(hash);
    if (!row) return undefined;
    this.memory?.set(hash, row, mark);
    if (row.needs_touch) this.touchInBackground(row.session_id);
    return toLiveSession(row);
  }

  private touchInBackground(sessionId: string): void {
    const now = Date.now();
    const last = this.touchedAt.get(sessionId);
    if (last !== undefined && now - last < this.touchAfterMs) return;
    if (this.touchedAt.size >= MAX_TOUCH_ENTRIES) this.touchedAt.clear();
    this.touchedAt.set(sessionId, now);
    // Not awaited: the answer does not wait for the write, and a failed write only loses a stamp.
    this.sessions.touch(sessionId).catch((e: unknown) => {
      this.touchedAt.delete(sessionId);
      this.logger.warn({ msg: 'could not update last_seen_at', err: String(e) });
    });
  }

  /** The session passed a second factor (enrolment's first code). */
  raiseAal(user: { id: string; sessionId: string }, manager?: EntityManager): Promise<void> {
    return this.sessions.raiseAal(user.id, user.sessionId, manager);
  }

  /** The user's live sessions, newest first. */
  listForUser(userId: string): Promise<Session[]> {
    return this.sessions.findLiveForUser(userId, this.cfg.sessionIdleTimeoutMs);
  }

  /** GET /sessions: the caller's live sessions, newest first, the current one marked. */
  async listOwn(user: AuthUser): Promise<SessionListDto> {
    const sessions = await this.listForUser(user.id);
    return { sessions: sessions.map((s) => toSessionDto(s, user.sessionId)) };
  }

  /** GET /users/:id/sessions: a user's live sessions for an admin (`current`: the admin's own). */
  async listOfUser(userId: string, viewer: AuthUser): Promise<SessionListDto> {
    const sessions = await this.listForUser(userId);
    return { sessions: sessions.map((s) => toSessionDto(s, viewer.sessionId)) };
  }

  /** Ends one of the caller's own sessions; another user's session is "not found", like an unknown one. */
  async revokeOwn(user: AuthUser, sessionId: string, meta: RequestMeta): Promise<void> {
    const isId = UUID.test(sessionId);
    // The revocation and its record commit together (the webhook event is made from the record).
    const revoked =
      isId &&
      (await this.db.transaction(async (m) => {
        if (!(await this.revoke(user.id, sessionId, m))) return false;
        await this.audit.record(
          {
            action: 'session_revoke',
            outcome: 'success',
            actor: user,
            target: user,
            details: { session_id: sessionId, current: sessionId === user.sessionId },
            meta,
          },
          m,
        );
        return true;
      }));
    if (!revoked) {
      // Recorded: ids of other users' sessions are what someone probing would try. Only a
      // well-formed id goes into the record, never the free text of the path.
      throw await auditRefusal(
        this.audit,
        {
          action: 'session_revoke',
          actor: user,
          target: user,
          meta,
          details: isId ? { session_id: sessionId } : {},
        },
        SessionsErrors.session_not_found(),
      );
    }
  }

  /** Ends one live session of this user; false when the user has no such live session. */
  revoke(userId: string, sessionId: string, manager?: EntityManager): Promise<boolean> {
    return this.sessions.revokeForUser(userId, sessionId, manager);
  }

  /** Ends every live session of the user (but `exceptSessionId`); returns how many ended. */
  revokeAllForUser(
    userId: string,
    opts: { exceptSessionId?: string; manager?: EntityManager } = {},
  ): Promise<number> {
    return this.sessions.revokeAllForUser(userId, opts.exceptSessionId, opts.manager);
  }
}

function toLiveSession(row: LiveSessionRow): LiveSession {
  return {
    session: {
      id: row.session_id,
      createdAt: row.session_created_at,
      expiresAt: row.expires_at,
      aal: row.aal,
    },
    user: {
      id: row.id,
      email: row.email,
      name: row.name,
      surname: row.surname,
      role: row.role,
      isActive: row.is_active,
      isConfirmed: row.is_confirmed,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      blockedUntil: row.blocked_until,
      lastLoginAt: row.last_login_at,
      locale: row.locale,
      mfaEnabled: row.mfa_enabled,
      passkeys: Number(row.passkeys),
    },
  };
}

function toSessionDto(s: Session, currentId: string) {
  return {
    id: s.id,
    created_at: s.createdAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
    last_seen_at: s.lastSeenAt.toISOString(),
    ip: s.ip,
    user_agent: s.userAgent,
    current: s.id === currentId,
  };
}
