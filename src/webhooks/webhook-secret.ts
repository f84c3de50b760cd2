import { randomBytes } from 'node:crypto';

/** What an endpoint's sealed secret is bound to: it opens for that endpoint only. */
export const secretAad = (endpointId: string) => `webhook:${endpointId}`;

/** `whsec_` and the base64 of 32 bytes from the CSPRNG (Standard Webhooks' secret form). */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
