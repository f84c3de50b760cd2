import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as every authenticator app reads it by default: SHA-1, 6 digits, 30 s steps. */
const PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

/** A new secret: 160 bits from the CSPRNG (RFC 4226's recommended length), as base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/<issuer>:<email>?secret=...&issuer=<issuer>` URI an app scans as a QR code. */
export function otpauthUrl(secret: string, issuer: string, email: string): string {
  return new TOTP({
    ...PARAMS,
    issuer,
    label: email,
    secret: Secret.fromBase32(secret),
  }).toString();
}

/**
 * The time step a code belongs to, accepting the step before and after `nowMs` (clock drift), or
 * null when the code matches none of them. The caller refuses a step that was used already.
 */
export function totpStep(secret: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = new TOTP({ ...PARAMS, secret: Secret.fromBase32(secret) });
  const delta = totp.validate({ token: code, timestamp: nowMs, window: 1 });
  return delta === null ? null : totp.counter({ timestamp: nowMs }) + delta;
}
