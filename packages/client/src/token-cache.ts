interface Entry<V> {
  value: V;
  sessionId: string;
  userId: string;
  until: number;
}

/**
 * Answers by token digest, with the indexes a change event needs: a session's entry and a user's
 * entries go in one step. Bounded: the oldest entry goes first when it is full. Used by the client
 * (its cache of /validate_token answers) and by the server (its own checks on the embedded database).
 */
export class TokenCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly bySession = new Map<string, string>();
  private readonly byUser = new Map<string, Set<string>>();

  constructor(private readonly maxEntries = 50_000) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now = Date.now()): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until > now) return e.value;
    this.delete(key);
    return undefined;
  }

  set(key: string, value: V, ids: { sessionId: string; userId: string }, until: number): void {
    this.delete(key);
    if (this.entries.size >= this.maxEntries) this.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, ...ids, until });
    this.bySession.set(ids.sessionId, key);
    let keys = this.byUser.get(ids.userId);
    if (!keys) this.byUser.set(ids.userId, (keys = new Set()));
    keys.add(key);
  }

  evictSession(sessionId: string): void {
    const key = this.bySession.get(sessionId);
    if (key) this.delete(key);
  }

  evictUser(userId: string): void {
    for (const key of [...(this.byUser.get(userId) ?? [])]) this.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.bySession.clear();
    this.byUser.clear();
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    if (this.bySession.get(e.sessionId) === key) this.bySession.delete(e.sessionId);
    const keys = this.byUser.get(e.userId);
    keys?.delete(key);
    if (keys?.size === 0) this.byUser.delete(e.userId);
  }
}
