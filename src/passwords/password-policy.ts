import { Inject, Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { authConfig, AuthConfig } from '../config/config';
import { PasswordsErrors } from './passwords.errors';

function loadBlocklist(): Set<string> {
  const text = readFileSync(join(__dirname, 'common-passwords.txt'), 'utf8');
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l && !l.startsWith('#')),
  );
}

/** The shortest unit that the whole string repeats: `abcabcabc` → `abc`. */
function repeatedUnit(s: string): string {
  const chars = Array.from(s);
  for (let n = 1; n <= chars.length / 2; n++) {
    if (chars.length % n) continue;
    const unit = chars.slice(0, n).join('');
    if (unit.repeat(chars.length / n) === s) return unit;
  }
  return s;
}

/**
 * NIST SP 800-63B-4 rules: length in Unicode code points after NFC (no composition rules), a
 * blocklist of common passwords (also repeated: `passwordpassword`), and not the email's local part.
 */
@Injectable()
export class PasswordPolicy {
  private readonly blocklist = loadBlocklist();

  constructor(@Inject(authConfig.KEY) private readonly cfg: AuthConfig) {}

  /** Throws PasswordsErrors.weak_password (400 `weak_password`) with the reason; returns when acceptable. */
  check(password: string, email?: string | null): void {
    const nfc = password.normalize('NFC');
    const length = Array.from(nfc).length;
    if (length < this.cfg.passwordMinLength) {
      throw PasswordsErrors.weak_password({
        message: `The password must have at least ${this.cfg.passwordMinLength} characters.`,
      });
    }
    if (length > this.cfg.passwordMaxLength) {
      throw PasswordsErrors.weak_password({
        message: `The password may have at most ${this.cfg.passwordMaxLength} characters.`,
      });
    }
    const lower = nfc.toLowerCase();
    const unit = repeatedUnit(lower);
    if (this.blocklist.has(lower) || this.blocklist.has(unit) || Array.from(unit).length === 1) {
      throw PasswordsErrors.weak_password({
        message: 'This password is too common; choose another.',
      });
    }
    const local = email?.split('@')[0]?.toLowerCase();
    if (
      local &&
      local.length >= 3 &&
      (lower === local || unit === local || lower === email!.toLowerCase())
    ) {
      throw PasswordsErrors.weak_password({
        message: 'The password must not be your email address.',
      });
    }
  }
}
