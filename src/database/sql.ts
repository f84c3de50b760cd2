import { QueryFailedError } from 'typeorm';

/**
 * A number of milliseconds, given as the SQL parameter `param` (`$2`, `:idle`), as an interval:
 * durations are settings in milliseconds, and the database's clock does the arithmetic.
 */
export function msInterval(param: string): string {
  return `make_interval(secs => ${param}::double precision / 1000)`;
}

/** A unique index refused the row (PostgreSQL 23505), e.g. two sign-ups of one address at once. */
export function isUniqueViolation(e: unknown): boolean {
  return (
    e instanceof QueryFailedError &&
    (e.driverError as { code?: string } | undefined)?.code === '23505'
  );
}
