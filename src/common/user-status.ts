/**
 * The one definition of a blocked user: deactivated, and either for good (no `blocked_until`) or
 * until a time still ahead. A block whose `blocked_until` has passed has lifted by itself, without
 * a write. Kept as SQL for queries (the users list, and the token check of sessions/, which joins
 * the user) and as the same rule in code; here, below both, so neither imports the other for it.
 */
export function blockedSql(alias: string): string {
  return `(${alias}.is_active = false AND (${alias}.blocked_until IS NULL OR ${alias}.blocked_until > now()))`;
}

export function isBlocked(
  user: { isActive: boolean; blockedUntil: Date | null },
  now: Date = new Date(),
): boolean {
  return !user.isActive && (user.blockedUntil === null || user.blockedUntil > now);
}
