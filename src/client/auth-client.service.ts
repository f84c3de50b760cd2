import { HttpException, Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { AuthUser, Role } from '../common/auth-user';
import { AUTH_CLIENT_OPTIONS, AuthClientOptions, MAX_CACHE_TTL_MS } from './auth-client.options';

/** What GET /validate_token answers, as far as this client needs it. */
interface ValidateTokenBody {
  id: number | string;
  email: string;
  role: Role;
  session: { id: string; expires_at: string; aal?: 1 | 2 };
}

const MAX_CACHE_ENTRIES = 10_000;

function error(status: 401 | 503, code: string, message: string): HttpException {
  const name = status === 401 ? 'Unauthorized' : 'Service Unavailable';
  return new HttpException({ statusCode: status, error: name, code, message }, status);
}

/**
 * Asks the auth server whether a token is valid. Node's fetch keeps connections alive between
 * calls. 401 for a token the server refuses; 503 when the server cannot answer, so callers can tell
 * "you are not signed in" from "we cannot check right now".
 */
@Injectable()
export class AuthClientService implements OnModuleDestroy {
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly cacheTtlMs: number;
  private readonly cache = new Map<string, { user: AuthUser; until: number }>();

  constructor(@Inject(AUTH_CLIENT_OPTIONS) options: AuthClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl ?? '')) {
      throw new Error('AuthClientModule: baseUrl must be an http(s) URL of the auth server');
    }
    const ttl = options.cacheTtlMs ?? 0;
    if (ttl < 0 || ttl > MAX_CACHE_TTL_MS) {
      throw new Error(`AuthClientModule: cacheTtlMs must be between 0 and ${MAX_CACHE_TTL_MS} ms`);
    }
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/validate_token`;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.cacheTtlMs = ttl;
  }

  /** The session's user, or throws 401 (invalid token) / 503 (auth server unreachable). */
  async validate(token: string): Promise<AuthUser> {
    const key = this.cacheTtlMs ? createHash('sha256').update(token).digest('hex') : '';
    if (key) {
      const hit = this.cache.get(key);
      if (hit && hit.until > Date.now()) return hit.user;
      this.cache.delete(key);
    }

    let res: Response;
    try {
      res = await fetch(this.url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      throw error(503, 'auth_unavailable', 'The auth server cannot be reached; try again shortly.');
    }
    if (res.status === 401) {
      await res.body?.cancel();
      throw error(401, 'invalid_token', 'The token is missing, invalid, expired or revoked.');
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw error(503, 'auth_unavailable', 'The auth server cannot check the token right now.');
    }
    let body: ValidateTokenBody;
    let user: AuthUser;
    try {
      // The body may break off, time out or not be the answer we know: the server is not usable.
      body = (await res.json()) as ValidateTokenBody;
      user = {
        id: String(body.id),
        email: body.email,
        role: body.role,
        sessionId: body.session.id,
        // A server from before the second factor answers no aal: its sessions passed one factor.
        aal: body.session.aal === 2 ? 2 : 1,
      };
    } catch {
      throw error(503, 'auth_unavailable', 'The auth server gave an answer that cannot be read.');
    }

    if (key) {
      if (this.cache.size >= MAX_CACHE_ENTRIES) {
        this.cache.delete(this.cache.keys().next().value as string);
      }
      const sessionEnd = Date.parse(body.session.expires_at);
      this.cache.set(key, { user, until: Math.min(Date.now() + this.cacheTtlMs, sessionEnd) });
    }
    return user;
  }

  onModuleDestroy(): void {
    this.cache.clear();
  }
}
