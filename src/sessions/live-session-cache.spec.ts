import { LiveSessionCache } from './live-session-cache';
import type { LiveSessionRow } from './sessions.repository';

const row = (sessionId: string, userId: string, expiresInMs = 3_600_000): LiveSessionRow =>
  ({
    token_hash: `h-${sessionId}`,
    session_id: sessionId,
    id: userId,
    expires_at: new Date(Date.now() + expiresInMs),
    needs_touch: true,
  }) as LiveSessionRow;

describe('LiveSessionCache', () => {
  it('forgets a session on its revoke, a user on its change, everything on reset', () => {
    const c = new LiveSessionCache(undefined);
    c.set('a', row('s1', '1'), c.mark());
    c.set('b', row('s2', '1'), c.mark());
    c.set('c', row('s3', '2'), c.mark());
    expect(c.get('a')?.needs_touch).toBe(false);
    c.onChange({ type: 'revoke', session_id: 's1', user_id: 1 });
    expect([c.get('a'), c.get('b')?.session_id]).toEqual([undefined, 's2']);
    c.onChange({ type: 'user', user_id: 1 });
    expect([c.get('b'), c.get('c')?.session_id]).toEqual([undefined, 's3']);
    c.onChange({ type: 'reset' });
    expect(c.get('c')).toBeUndefined();
  });

  it('does not keep an answer read while a change came in', () => {
    const c = new LiveSessionCache(undefined);
    const mark = c.mark();
    c.onChange({ type: 'revoke', session_id: 's1', user_id: 1 });
    c.set('a', row('s1', '1'), mark);
    expect(c.get('a')).toBeUndefined();
  });

  it('lets an entry go at the session end and after the idle timeout', () => {
    const c = new LiveSessionCache(1000);
    const now = Date.now();
    c.set('a', row('s1', '1', 500), c.mark(), now);
    expect(c.get('a', now + 400)).toBeDefined();
    expect(c.get('a', now + 600)).toBeUndefined();
    c.set('b', row('s2', '1'), c.mark(), now);
    expect(c.get('b', now + 900)).toBeDefined(); // used: the idle clock restarts
    expect(c.get('b', now + 1800)).toBeDefined();
    expect(c.get('b', now + 2900)).toBeUndefined();
  });
});
