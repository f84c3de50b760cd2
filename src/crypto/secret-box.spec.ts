import { randomBytes } from 'node:crypto';
import { parseKey } from '../config/encryption-key';
import { keyId, SecretBox, SecretBoxError } from './secret-box';

describe('SecretBox', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('opens what it sealed, and never seals the same value twice alike', () => {
    const box = new SecretBox(newKey);
    const a = box.seal('JBSWY3DPEHPK3PXP', 'totp:1');
    const b = box.seal('JBSWY3DPEHPK3PXP', 'totp:1');
    expect(a).not.toEqual(b);
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(a, 'totp:1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses a value sealed for another context', () => {
    const box = new SecretBox(newKey);
    const sealed = box.seal('secret', 'totp:1');
    expect(() => box.open(sealed, 'totp:2')).toThrow(SecretBoxError);
  });

  it('refuses a tampered value', () => {
    const box = new SecretBox(newKey);
    const parts = box.seal('secret').split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(SecretBoxError);
    expect(() => box.open('plain text')).toThrow(SecretBoxError);
  });

  it('opens values of the previous key after a rotation and reseals them under the new one', () => {
    const sealedOld = new SecretBox(oldKey).seal('secret', 'ctx');
    const rotated = new SecretBox(newKey, [oldKey]);
    expect(rotated.isStale(sealedOld)).toBe(true);
    expect(rotated.open(sealedOld, 'ctx')).toBe('secret');
    const resealed = rotated.reseal(sealedOld, 'ctx');
    expect(resealed.split('.')[1]).toBe(keyId(newKey));
    expect(new SecretBox(newKey).open(resealed, 'ctx')).toBe('secret');
    expect(() => new SecretBox(newKey).open(sealedOld, 'ctx')).toThrow(/unknown key/);
  });

  it('reads keys as base64, base64url or hex of exactly 32 bytes', () => {
    const key = randomBytes(32);
    expect(parseKey(key.toString('base64'))).toEqual(key);
    expect(parseKey(key.toString('base64url'))).toEqual(key);
    expect(parseKey(key.toString('hex'))).toEqual(key);
    expect(parseKey(randomBytes(16).toString('base64'))).toBeUndefined();
    expect(parseKey('change-me')).toBeUndefined();
  });
});
