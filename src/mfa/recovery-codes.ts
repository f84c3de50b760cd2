import { createHash, randomBytes } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;

/** Crockford's base32: no i, l, o or u, so a code read aloud or copied by hand survives. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A recovery code: 80 bits from the CSPRNG as 16 base32 characters, `xxxx-xxxx-xxxx-xxxx`. 80
 * rather than the required 50 bits, so that a fast hash (SHA-256) of it cannot be reversed by
 * trying them all even if the database leaks.
 */
export function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out.match(/.{4}/g)!.join('-');
}

/** What a user typed, in the one form that is hashed: lower case, no separators, look-alikes mapped. */
export function normalizeRecoveryCode(input: string): string | null {
  const s = input.toLowerCase().replace(/[\s-]/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
  return /^[0-9a-hjkmnp-tv-z]{16}$/.test(s) ? s : null;
}

/** The stored form: SHA-256 bound to the user, so one hash is worthless for another account. */
export function hashRecoveryCode(userId: string, normalized: string): string {
  return createHash('sha256').update(`${userId}:${normalized}`).digest('hex');
}
