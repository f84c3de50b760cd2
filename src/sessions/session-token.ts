import { createHash, randomBytes } from 'node:crypto';
import { TOKEN_SHAPE } from '../common/fields';

/** 256 bits from the CSPRNG, base64url: 43 characters, safe in a header and a cookie. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A string that could be one of our tokens; anything else is refused without a query. */
export function looksLikeSessionToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** What the database keeps instead of the token: SHA-256, 64 hex characters. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** `last_seen_at` is written at most this often per session. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * How old `last_seen_at` may get before it is written again: a minute, or a quarter of a short
 * idle timeout, so that a session in use never looks idle.
 */
export function touchIntervalMs(idleTimeoutMs: number | undefined): number {
  return idleTimeoutMs === undefined
    ? TOUCH_INTERVAL_MS
    : Math.min(TOUCH_INTERVAL_MS, Math.floor(idleTimeoutMs / 4));
}
