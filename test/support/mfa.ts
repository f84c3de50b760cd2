import { Secret, TOTP } from 'otpauth';
import { Clock } from '../../src/common/clock';
import type { User } from '../../src/users/user.entity';
import { bearer, createUser, GOOD_PASSWORD, loginToken } from './factories';
import type { TestApp } from './test-app';

/** The code an authenticator app shows for `secret` at `atMs`. */
export function totpCode(secret: string, atMs: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({
    timestamp: atMs,
  });
}

/** A clock the test moves, for every app given (two instances share one time). */
export function controlClock(...apps: TestApp[]) {
  // Mid-step, so a code of "now" does not roll over between computing and sending it.
  let now = Math.floor(Date.now() / 30_000) * 30_000 + 15_000;
  for (const t of apps) jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => now);
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Enrols and confirms TOTP for the session `token`; answers the secret and the recovery codes. */
export async function enableTotp(
  t: TestApp,
  token: string,
  atMs: number,
  password = GOOD_PASSWORD,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const enrol = await t.http.post('/mfa/totp').set(bearer(token)).send({ password });
  if (enrol.status !== 200) throw new Error(`enrol: ${enrol.status} ${JSON.stringify(enrol.body)}`);
  const secret = enrol.body.secret as string;
  const confirm = await t.http
    .post('/mfa/totp/confirm')
    .set(bearer(token))
    .send({ code: totpCode(secret, atMs) });
  if (confirm.status !== 200)
    throw new Error(`confirm: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  return { secret, recoveryCodes: confirm.body.recovery_codes as string[] };
}

/**
 * A new user (`fields` as for createUser) with TOTP on, enrolled through a session of its own; the
 * clock is then moved to a fresh step, so the next code is not a replay of the confirming one.
 */
export async function createUserWithTotp(
  t: TestApp,
  clock: ReturnType<typeof controlClock>,
  fields: Partial<User> = {},
) {
  const user = await createUser(t, fields);
  const factor = await enableTotp(t, await loginToken(t, user.email, user.password), clock.now());
  clock.advance(30_000);
  return { user, ...factor };
}
