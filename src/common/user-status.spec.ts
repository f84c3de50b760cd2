import { isBlocked } from './user-status';

describe('isBlocked', () => {
  const now = new Date('2025-01-01T12:00:00Z');
  const at = (iso: string) => new Date(iso);

  it('treats an active user as not blocked, whatever blocked_until says', () => {
    expect(isBlocked({ isActive: true, blockedUntil: null }, now)).toBe(false);
    expect(isBlocked({ isActive: true, blockedUntil: at('2025-02-01T00:00:00Z') }, now)).toBe(
      false,
    );
  });

  it('blocks a deactivated user for good without blocked_until', () => {
    expect(isBlocked({ isActive: false, blockedUntil: null }, now)).toBe(true);
  });

  it('blocks until blocked_until, and lifts the block by itself after it', () => {
    expect(isBlocked({ isActive: false, blockedUntil: at('2025-01-01T12:00:01Z') }, now)).toBe(
      true,
    );
    expect(isBlocked({ isActive: false, blockedUntil: at('2025-01-01T11:59:59Z') }, now)).toBe(
      false,
    );
  });
});
