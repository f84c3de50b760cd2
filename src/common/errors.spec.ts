import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, CommonErrors, declaredErrors, defineErrors } from './errors';

/** Loads every module's catalogue (each `*.errors.ts` under src/). */
function loadAllCatalogues(): void {
  const src = join(__dirname, '..');
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.errors.ts')) {
      require(join(entry.parentPath, entry.name)); // eslint-disable-line @typescript-eslint/no-require-imports
    }
  }
}

describe('the error catalogue', () => {
  beforeAll(loadAllCatalogues);

  it('gives a code one status everywhere, but the three the HTTP contract gives two', () => {
    const statuses = new Map<string, Set<number>>();
    for (const e of declaredErrors()) {
      statuses.set(e.code, (statuses.get(e.code) ?? new Set()).add(e.status));
    }
    const twice = [...statuses].filter(([, s]) => s.size > 1).map(([code, s]) => [code, [...s]]);
    // invalid_token: 401 for a bearer token, 400 for a mailed link (POST /users/verify);
    // invalid_mfa_code: 401 at POST /login/mfa, 400 on the routes of a signed-in user;
    // invalid_passkey: 400 at enrolment (a signed-in user's request), 401 at sign-in.
    expect(twice.sort()).toEqual([
      ['invalid_mfa_code', [401, 400]],
      ['invalid_passkey', [400, 401]],
      ['invalid_token', [401, 400]],
    ]);
  });

  it('makes errors in the wire shape that instanceof tells apart by entry', () => {
    const e = CommonErrors.too_many_requests({ retryAfterSeconds: 2.2 });
    expect(e).toBeInstanceOf(AppError);
    expect(e.getResponse()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'too_many_requests',
      message: 'Too many requests from this address; try again later.',
    });
    expect(e.headers).toEqual({ 'Retry-After': '3' });
    expect(e instanceof CommonErrors.too_many_requests).toBe(true);
    expect(e instanceof CommonErrors.conflict).toBe(false);
    expect(CommonErrors.validation_failed({ message: ['a'] }).detail).toEqual(['a']);
  });

  it('refuses an entry declared twice', () => {
    expect(() => defineErrors({ not_found: [404, 'again'] })).toThrow(/declared twice/);
  });
});
