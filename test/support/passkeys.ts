import { webauthnConfig, type WebAuthnConfig } from '../../src/config/config';
import { bearer } from './factories';
import { SoftAuthenticator } from './soft-authenticator';
import type { TestApp } from './test-app';

/**
 * Adds a passkey to the session's account through the API, as a browser with `authenticator`
 * would (by default a new one on the app's first WebAuthn origin); answers the passkey.
 */
export async function addPasskey(
  t: TestApp,
  token: string,
  proof: { password?: string },
  name?: string,
  authenticator = new SoftAuthenticator({
    origin: t.app.get<WebAuthnConfig>(webauthnConfig.KEY).origins[0],
  }),
): Promise<{ id: string; name: string }> {
  const options = await t.http.post('/me/passkeys/options').set(bearer(token)).send(proof);
  if (options.status !== 200) throw new Error(`passkey options: ${options.status}`);
  const added = await t.http
    .post('/me/passkeys')
    .set(bearer(token))
    .send({
      challenge_id: options.body.challenge_id,
      response: authenticator.create(options.body.options),
      ...(name ? { name } : {}),
    });
  if (added.status !== 201) throw new Error(`passkey: ${added.status} ${added.text}`);
  return added.body as { id: string; name: string };
}
