import type { Role } from '../common/auth-user';

/** One user to import, validated; the shape `import-users` reads and `export-users` writes. */
export interface ImportedUser {
  email: string;
  name: string | null;
  surname: string | null;
  role: Role;
  isConfirmed: boolean;
  /** false: blocked (only the FastAPI import sets it; NDJSON users arrive active). */
  isActive: boolean;
  passwordHash: string | null;
  locale: string;
  createdAt: Date | null;
  /** Times of past logins, written to the audit log as `login` records (FastAPI import). */
  logins: Date[];
}

const FIELDS = new Set([
  'email',
  'name',
  'surname',
  'role',
  'is_confirmed',
  'password_hash',
  'locale',
  'created_at',
]);
const ROLES: readonly Role[] = ['root', 'admin', 'user'];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** bcrypt as the original server and most others write it, or this server's own pre-hashed form. */
const HASH = /^(\$pb1\$)?\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
const hasBadText = (s: string) => s.includes('\0') || s.includes('\r') || s.includes('\n');

/** Checks one parsed NDJSON value; answers the user or the problems with it, by field. */
export function validateImportedUser(
  value: unknown,
): { user: ImportedUser } | { problems: string[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: ['expected a JSON object'] };
  }
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(v)) if (!FIELDS.has(key)) problems.push(`unknown field "${key}"`);

  const text = (key: string, max: number): string | null => {
    const x = v[key];
    if (x === undefined || x === null) return null;
    if (typeof x !== 'string' || x.length > max || hasBadText(x)) {
      problems.push(`${key}: expected a string of at most ${max} characters without CR, LF or NUL`);
      return null;
    }
    return x;
  };
  const email = typeof v.email === 'string' ? v.email.trim().toLowerCase().normalize('NFC') : '';
  if (!email || email.length > 254 || hasBadText(email) || !EMAIL.test(email)) {
    problems.push('email: expected an email address of at most 254 characters');
  }
  const role = v.role ?? 'user';
  if (!ROLES.includes(role as Role)) problems.push('role: expected root, admin or user');
  if (v.is_confirmed !== undefined && typeof v.is_confirmed !== 'boolean') {
    problems.push('is_confirmed: expected true or false');
  }
  const hash = v.password_hash ?? null;
  if (hash !== null && (typeof hash !== 'string' || !HASH.test(hash))) {
    problems.push('password_hash: expected a bcrypt hash ($2a$, $2b$ or $2y$)');
  }
  const locale = v.locale ?? 'en';
  if (typeof locale !== 'string' || !LOCALE.test(locale)) {
    problems.push('locale: expected a language tag such as en or ru');
  }
  let createdAt: Date | null = null;
  if (v.created_at !== undefined && v.created_at !== null) {
    createdAt = typeof v.created_at === 'string' ? new Date(v.created_at) : new Date(NaN);
    if (Number.isNaN(createdAt.getTime()) || createdAt.getTime() > Date.now() + 86_400_000) {
      problems.push('created_at: expected an ISO-8601 time, not in the future');
    }
  }
  const name = text('name', 100);
  const surname = text('surname', 100);
  if (problems.length) return { problems };
  return {
    user: {
      email,
      name,
      surname,
      role: role as Role,
      isConfirmed: v.is_confirmed === true,
      isActive: true,
      passwordHash: hash as string | null,
      locale: locale as string,
      createdAt,
      logins: [],
    },
  };
}
