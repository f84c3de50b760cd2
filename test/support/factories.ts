import { PasswordService } from '../../src/auth/password.service';
import { User } from '../../src/users/user.entity';
import type { TestApp } from './test-app';

let counter = 0;

/** A user straight in the database (confirmed and active unless told otherwise). */
export async function createUser(
  t: TestApp,
  fields: Partial<
    Pick<User, 'email' | 'role' | 'isActive' | 'isConfirmed' | 'name' | 'surname' | 'blockedUntil'>
  > & {
    password?: string;
  } = {},
): Promise<User & { password: string }> {
  counter += 1;
  const password = fields.password ?? `a long test password number ${counter}`;
  const { password: _password, ...rest } = fields;
  const user = await t.db.getRepository(User).save({
    email: `user${counter}-${Date.now()}@example.com`,
    role: 'user',
    isActive: true,
    isConfirmed: true,
    ...rest,
    passwordHash: await t.app.get(PasswordService).hash(password),
  });
  return Object.assign(user, { password });
}

/** Logs in through POST /login and returns the bearer token. */
export async function login(t: TestApp, email: string, password: string): Promise<string> {
  const res = await t.http.post('/login').send({ email, password });
  if (res.status !== 200)
    throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}
