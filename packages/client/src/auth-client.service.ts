import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { hash } from 'node:crypto';
import type { AuthUser, Role } from './auth-user';
import {
  AUTH_CLIENT_OPTIONS,
  AuthClientOptions,
  DEFAULT_STREAM_CACHE_TTL_MS,
  MAX_CACHE_TTL_MS,
  MAX_STREAM_CACHE_TTL_MS,
} from './auth-client.options';
import { ChangeStream, StreamEvent } from './change-stream';
import { authError } from './decorators';
import { JwksUnavailable, JwtVerifier, looksLikeJwt } from './jwt-verifier';
import { TokenCache } from './token-cache';
import { agentTransport, fetchTransport, Transport, TransportAnswer } from './transport';

/** What GET /validate_token answers, as far as this client needs it. */
interface ValidateTokenBody {
  id: number | string;
  email: string;
  role: Role;
  session: { id: string; expires_at: string; aal?: 1 | 2 };
}

/** Recent events, so an answer fetched while one of them arrived is not cached. */
const RECENT_EVENTS = 1024;

/** The cache holds digests, not tokens (one-shot `crypto.hash`: a third of createHash's cost). */
const cacheKey = (token: string) => hash('sha256', token, 'base64');

const unavailable = (message: string) => authError(503, 'auth_unavailable', message);
const refused = () =>
  authError(401, 'invalid_token', 'The token is missing, invalid, expired or revoked.');

/** The server's longest JWT lifetime (JWT_TTL is at most one hour): how long a revocation matters. */
const MAX_JWT_LIFETIME_MS = 3_600_000 + 60_000;
/** `iat` counts whole seconds: a JWT minted in the second the stream came back may show the one before. */
const IAT_GRANULARITY_MS = 1_000;

interface CachedJwt {
  user: AuthUser;
  iat: number;
}

/**
 * Asks the auth server whether a token is valid. 401 for a token the server refuses; 503 when the
 * server cannot answer, so callers can tell "you are not signed in" from "we cannot check right
 * now". Concurrent checks of one token share one request.
 */
@Injectable()
export class AuthClientService implements OnModuleInit, OnModuleDestroy {
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly cacheTtlMs: number;
  private readonly transport: { send: Transport; close: () => void };
  private readonly stream?: ChangeStream;
  private readonly cache = new TokenCache<AuthUser>();
  private streamUp = false;
  /** Counts every event; `recent` holds the last ones, `gapAt` the count at the last reset or drop. */
  private seq = 0;
  private gapAt = 0;
  private readonly recent: { seq: number; sessionId?: string; userId?: string }[] = [];
  private readonly inFlight = new Map<string, { seq: number; answer: Promise<AuthUser> }>();
  private readonly jwt?: JwtVerifier;
  /** Verified JWTs until they expire: their claims cannot change, only their session can end. */
  private readonly jwts = new TokenCache<CachedJwt>();
  /** Sessions the stream reported ended, kept while a JWT of theirs could still be unexpired. */
  private readonly endedSessions = new Map<string, number>();
  /** When the stream last came up (ms): JWTs minted earlier may belong to a revocation we missed. */
  private heardSince = Infinity;

  constructor(@Inject(AUTH_CLIENT_OPTIONS) options: AuthClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl ?? '')) {
      throw new Error('AuthClientModule: baseUrl must be an http(s) URL of the auth server');
    }
    const max = options.serviceKey ? MAX_STREAM_CACHE_TTL_MS : MAX_CACHE_TTL_MS;
    const ttl = options.cacheTtlMs ?? (options.serviceKey ? DEFAULT_STREAM_CACHE_TTL_MS : 0);
    if (ttl < 0 || ttl > max) {
      throw new Error(
        `AuthClientModule: cacheTtlMs must be between 0 and ${max} ms` +
          (options.serviceKey ? '' : ` (up to ${MAX_STREAM_CACHE_TTL_MS} with serviceKey)`),
      );
    }
    const base = options.baseUrl.replace(/\/+$/, '');
    this.url = `${base}/validate_token`;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.cacheTtlMs = ttl;
    this.transport =
      options.transport === 'fetch' ? fetchTransport() : agentTransport(new URL(base));
    if (options.jwt) this.jwt = new JwtVerifier(options.jwt, base, this.timeoutMs);
    if (options.serviceKey && (ttl > 0 || this.jwt)) {
      this.stream = new ChangeStream(new URL(`${base}/events/sessions`), options.serviceKey, {
        event: (e) => this.onEvent(e),
        down: () => this.onDown(),
      });
    }
  }

  onModuleInit(): void {
    this.stream?.start();
  }

  onModuleDestroy(): void {
    this.stream?.close();
    this.transport.close();
    this.cache.clear();
    this.jwts.clear();
  }

  /**
   * Whether answers are being cached now: with `serviceKey`, only while the event stream is up
   * (useful in a readiness probe); without it, whenever `cacheTtlMs` is set.
   */
  get cacheLive(): boolean {
    return this.cacheTtlMs > 0 && (!this.stream || this.streamUp);
  }

  /**
   * The cached answer for this token, without waiting: what lets the guard pass a cached request
   * synchronously (no promise, no microtask), so a cache hit costs about what a public route does.
   */
  cached(token: string): AuthUser | undefined {
    if (this.jwt && looksLikeJwt(token)) {
      const hit = this.jwts.get(cacheKey(token));
      return hit && this.jwtStillGood(hit) ? hit.user : undefined;
    }
    return this.cacheLive ? this.cache.get(cacheKey(token)) : undefined;
  }

  /** The session's user, or throws 401 (invalid token) / 503 (auth server unreachable). */
  validate(token: string): Promise<AuthUser> {
    if (this.jwt && looksLikeJwt(token)) return this.validateJwt(token);
    const key = cacheKey(token);
    if (this.cacheLive) {
      const hit = this.cache.get(key);
      if (hit) return Promise.resolve(hit);
    }
    // Join a check of the same token only if no event arrived since it was sent.
    const running = this.inFlight.get(key);
    if (running && running.seq === this.seq) return running.answer;
    const seq = this.seq;
    const answer = this.ask(token).then(({ user, expiresAt }) => {
      if (this.cacheLive && !this.changedSince(seq, user)) {
        this.cache.set(
          key,
          user,
          { sessionId: user.sessionId, userId: user.id },
          Math.min(Date.now() + this.cacheTtlMs, expiresAt),
        );
      }
      return user;
    });
    const entry = { seq, answer };
    this.inFlight.set(key, entry);
    const done = () => {
      if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
    };
    answer.then(done, done);
    return answer;
  }

  /** A JWT checked here, against the server's keys and what the event stream has said. */
  private async validateJwt(token: string): Promise<AuthUser> {
    if (this.stream && !this.streamUp) {
      throw unavailable(
        'Session ends cannot be heard from the auth server right now; try again shortly.',
      );
    }
    const key = cacheKey(token);
    const hit = this.jwts.get(key);
    if (hit) {
      if (this.jwtStillGood(hit)) return hit.user;
      throw refused();
    }
    let verified;
    try {
      verified = await this.jwt!.verify(token);
    } catch (e) {
      if (e instanceof JwksUnavailable) {
        throw unavailable('The auth server’s public keys cannot be fetched; try again shortly.');
      }
      throw refused();
    }
    const entry = { user: verified.user, iat: verified.iat };
    // The stream may have dropped, or ended this session, while the keys were fetched.
    if (this.stream && !this.streamUp) {
      throw unavailable(
        'Session ends cannot be heard from the auth server right now; try again shortly.',
      );
    }
    if (!this.jwtStillGood(entry)) throw refused();
    this.jwts.set(
      key,
      entry,
      { sessionId: entry.user.sessionId, userId: entry.user.id },
      verified.exp * 1000,
    );
    return entry.user;
  }

  /**
   * Without the stream, a verified JWT is good until it expires. With it, not once its session
   * ended, nor when it was minted before the stream was last (re)connected: a revocation may have
   * gone unheard then.
   */
  private jwtStillGood(jwt: CachedJwt): boolean {
    if (!this.stream) return true;
    if (!this.streamUp) return false;
    return (
      !this.endedSessions.has(jwt.user.sessionId) &&
      jwt.iat * 1000 >= this.heardSince - IAT_GRANULARITY_MS
    );
  }

  private async ask(token: string): Promise<{ user: AuthUser; expiresAt: number }> {
    let res: TransportAnswer;
    try {
      res = await this.transport.send(
        this.url,
        { authorization: `Bearer ${token}`, accept: 'application/json' },
        this.timeoutMs,
      );
    } catch {
      throw unavailable('The auth server cannot be reached; try again shortly.');
    }
    if (res.status === 401) {
      throw authError(401, 'invalid_token', 'The token is missing, invalid, expired or revoked.');
    }
    if (res.status !== 200) throw unavailable('The auth server cannot check the token right now.');
    try {
      // The answer may not be the one we know: then the server is not usable.
      const body = JSON.parse(res.body) as ValidateTokenBody;
      const user: AuthUser = {
        id: String(body.id),
        email: body.email,
        role: body.role,
        sessionId: body.session.id,
        // A server from before the second factor answers no aal: its sessions passed one factor.
        aal: body.session.aal === 2 ? 2 : 1,
      };
      if (typeof user.email !== 'string' || typeof user.sessionId !== 'string') throw new Error();
      return { user, expiresAt: Date.parse(body.session.expires_at) };
    } catch {
      throw unavailable('The auth server gave an answer that cannot be read.');
    }
  }

  /** Whether an event since `seq` may concern this answer (or too many came to tell). */
  private changedSince(seq: number, user: AuthUser): boolean {
    if (this.gapAt > seq) return true;
    if (this.seq === seq) return false;
    const oldest = this.recent[0]?.seq ?? this.seq;
    if (oldest > seq + 1) return true;
    return this.recent.some(
      (e) => e.seq > seq && (e.sessionId === user.sessionId || e.userId === user.id),
    );
  }

  private onEvent(e: StreamEvent): void {
    this.seq++;
    if (e.type === 'reset') {
      this.gapAt = this.seq;
      this.cache.clear();
      // Whatever ended before now may have gone unheard: JWTs minted earlier are not trusted.
      this.heardSince = Date.now();
      this.streamUp = true;
      return;
    }
    this.recent.push({
      seq: this.seq,
      sessionId: e.type === 'revoke' ? e.sessionId : undefined,
      userId: e.type === 'user' ? e.userId : undefined,
    });
    if (this.recent.length > RECENT_EVENTS) this.recent.shift();
    if (e.type === 'revoke') {
      this.cache.evictSession(e.sessionId);
      if (this.jwt) this.sessionEnded(e.sessionId);
    } else this.cache.evictUser(e.userId);
  }

  private sessionEnded(sessionId: string): void {
    const now = Date.now();
    // Oldest first (a Map keeps insertion order): forget those no JWT can outlive.
    for (const [id, until] of this.endedSessions) {
      if (until > now) break;
      this.endedSessions.delete(id);
    }
    this.endedSessions.delete(sessionId);
    this.endedSessions.set(sessionId, now + MAX_JWT_LIFETIME_MS);
  }

  private onDown(): void {
    this.seq++;
    this.gapAt = this.seq;
    this.streamUp = false;
    this.cache.clear();
    this.jwts.clear();
  }
}
