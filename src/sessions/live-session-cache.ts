import { TokenCache } from 'nest-email-auth-client';
import type { ChangeSignal } from '../events/change-event';
import type { LiveSessionRow } from './sessions.repository';

/**
 * A backstop, not the mechanism: every write the server makes publishes its event and evicts at
 * once; this only bounds the harm of a write path that would forget to.
 */
const MAX_ENTRY_MS = 60_000;

/**
 * The token checks of the embedded database, served from memory. It is exact because this process
 * is the database's only writer (the data folder is locked) and every write that changes a check's
 * answer publishes its change event in process at the commit itself (ChangeEvents), which evicts
 * here before the writing request answers. Only live sessions are kept; an answer read while an
 * event arrived is not kept (it may predate the change).
 */
export class LiveSessionCache {
  private readonly cache = new TokenCache<{ row: LiveSessionRow; lastUsed: number }>();
  private seq = 0;

  constructor(private readonly idleTimeoutMs: number | undefined) {}

  /** A mark to pass to `set`: the entry is kept only if no change came in between. */
  mark(): number {
    return this.seq;
  }

  get(tokenHash: string, now = Date.now()): LiveSessionRow | undefined {
    const e = this.cache.get(tokenHash, now);
    if (!e) return undefined;
    if (this.idleTimeoutMs !== undefined && now - e.lastUsed >= this.idleTimeoutMs) {
      this.cache.delete(tokenHash);
      return undefined;
    }
    e.lastUsed = now;
    return e.row;
  }

  set(tokenHash: string, row: LiveSessionRow, mark: number, now = Date.now()): void {
    if (mark !== this.seq) return;
    this.cache.set(
      tokenHash,
      { row: { ...row, needs_touch: false }, lastUsed: now },
      { sessionId: row.session_id, userId: String(row.id) },
      Math.min(row.expires_at.getTime(), now + MAX_ENTRY_MS),
    );
  }

  onChange(s: ChangeSignal): void {
    this.seq++;
    if (s.type === 'revoke') this.cache.evictSession(s.session_id);
    else if (s.type === 'user') this.cache.evictUser(String(s.user_id));
    else this.cache.clear();
  }
}
