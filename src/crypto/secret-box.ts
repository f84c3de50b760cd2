import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for the secrets the server must read back (TOTP secrets, codes and links waiting in
 * the mail outbox). A sealed value is `v1.<key id>.<nonce>.<ciphertext>.<tag>` (base64url parts):
 * the key id lets a value sealed under ENCRYPTION_KEY_PREVIOUS still be opened after a rotation, and
 * tells the owner of the value that it should be sealed again under the current key.
 *
 * `context` is bound as additional authenticated data: a value sealed for one row or purpose (say
 * `totp:12`) does not open for another, so copying a ciphertext between rows gains nothing.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(current: Buffer, previous: Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new Error('an encryption key must be 32 bytes');
      this.keys.set(keyId(key), key);
    }
    this.currentKeyId = keyId(current);
  }

  seal(plain: string, context = ''): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', this.currentKeyId, b64(nonce), b64(body), b64(cipher.getAuthTag())].join('.');
  }

  /** Throws SecretBoxError for a value that is malformed, tampered with, or sealed by an unknown key. */
  open(sealed: string, context = ''): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== 'v1') throw new SecretBoxError('not a sealed value');
    const key = this.keys.get(parts[1]);
    if (!key) throw new SecretBoxError(`sealed by an unknown key (${parts[1]})`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[2], 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(parts[4], 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(parts[3], 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretBoxError('does not open with its key (tampered, or another context)');
    }
  }

  /** Whether a sealed value was made under a key other than the current one. */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.currentKeyId;
  }

  /** The value sealed again under the current key (the same value when it already is). */
  reseal(sealed: string, context = ''): string {
    return this.isStale(sealed) ? this.seal(this.open(sealed, context), context) : sealed;
  }
}

export class SecretBoxError extends Error {
  constructor(reason: string) {
    super(`encrypted value: ${reason}`);
    this.name = 'SecretBoxError';
  }
}

/** A short public fingerprint of a key: names it in a sealed value without revealing it. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

const b64 = (b: Buffer) => b.toString('base64url');
