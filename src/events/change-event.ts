/**
 * A change after which a token check may answer differently. `revoke`: one session ended. `user`:
 * anything of the user that a token check reads changed (block, unblock, role, email,
 * confirmation, password, factor, deletion, profile): drop every entry of that user. `reset`:
 * nobody can vouch for what was missed (a stream's start, a lost connection): drop everything.
 */
export type ChangeEvent =
  | { type: 'revoke'; session_id: string; user_id: number }
  | { type: 'user'; user_id: number }
  | { type: 'reset' };

/** What a subscriber hears: the changes, and `down` while the events cannot be relied on. */
export type ChangeSignal = ChangeEvent | { type: 'down' };

export type ChangeListener = (signal: ChangeSignal) => void;

/** The wire form, shared by NOTIFY, Redis and the stream's `data:` lines. */
export function encodeChange(e: ChangeEvent): string {
  return JSON.stringify(e);
}

/** Parses a message from another instance; anything malformed is treated as a gap (reset). */
export function decodeChange(payload: string): ChangeEvent {
  try {
    const e = JSON.parse(payload) as Partial<ChangeEvent> & Record<string, unknown>;
    if (e.type === 'revoke' && typeof e.session_id === 'string' && typeof e.user_id === 'number') {
      return { type: 'revoke', session_id: e.session_id, user_id: e.user_id };
    }
    if (e.type === 'user' && typeof e.user_id === 'number') {
      return { type: 'user', user_id: e.user_id };
    }
  } catch {
    // fall through
  }
  return { type: 'reset' };
}
