import { PasswordService } from '../../src/passwords/password.service';
import { User } from '../../src/users/user.entity';
import { UsersRepository } from '../../src/users/users.repository';
import type { TestApp } from './test-app';

let seq = 0;

/** A unique address per call, so tests in one app do not share throttles or sessions. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}.${process.pid}.${Date.now().toString(36)}.${seq++}@example.com`;
}

export const GOOD_PASSWORD = 'purple elephants dance quietly';

/** Creates a user straight in the database (confirmed and active unless told otherwise). */
export async function createUser(
  t: TestApp,
  fields: Partial<User> & { password?: string | null } = {},
): Promise<User & { password: string }> {
  const { password = GOOD_PASSWORD, ...rest } = fields;
  const passwordHash = password === null ? null : await t.app.get(PasswordService).hash(password);
  const user = await t.app.get(UsersRepository).create({
    email: uniqueEmail(),
    role: 'user',
    isConfirmed: true,
    isActive: true,
    passwordHash,
    ...rest,
  });
  return Object.assign(user, { password: password ?? '' });
}

/** Logs in and returns the token (fails the test unless the login succeeds). */
export async function loginToken(t: TestApp, email: string, password = GOOD_PASSWORD) {
  const res = await t.http.post('/login').send({ email, password });
  if (res.status !== 200)
    throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
