import { loadSettings } from '../config/settings';
import { PasswordPolicy } from './password-policy';
import { PasswordsErrors } from './passwords.errors';

describe('PasswordPolicy', () => {
  const policy = new PasswordPolicy(loadSettings({}).auth);
  const reason = (password: string, email?: string) => {
    try {
      policy.check(password, email);
      return 'ok';
    } catch (e) {
      expect(e).toBeInstanceOf(PasswordsErrors.weak_password);
      return (e as Error).message;
    }
  };

  it('accepts a long passphrase with no composition rules', () => {
    expect(reason('purple elephants dance quietly')).toBe('ok');
  });

  it('counts code points after NFC, not bytes or UTF-16 units', () => {
    // 15 emoji are 60 bytes and 30 UTF-16 units, but 15 characters.
    expect(reason('🦊'.repeat(7) + '🐻'.repeat(8))).toBe('ok');
    expect(reason('🦊'.repeat(7) + '🐻'.repeat(7))).toMatch(/at least 15/);
    // "é" as e + combining accent is one character after NFC.
    expect(reason('cafe\u0301'.repeat(3) + 'xy')).toMatch(/at least 15/);
  });

  it('refuses passwords shorter than the minimum and longer than the maximum', () => {
    expect(reason('short one')).toMatch(/at least 15/);
    expect(reason('x'.repeat(10) + 'y'.repeat(247))).toMatch(/at most 256/);
    expect(reason('ab'.repeat(128))).not.toMatch(/at most/);
  });

  it('refuses common passwords, also repeated or in other case', () => {
    expect(reason('correcthorsebatterystaple')).toMatch(/too common/);
    expect(reason('PasswordPassword')).toMatch(/too common/);
    expect(reason('qwertyqwertyqwerty')).toMatch(/too common/);
    expect(reason('aaaaaaaaaaaaaaaaaaaa')).toMatch(/too common/);
  });

  it("refuses the email's local part", () => {
    expect(reason('ada.lovelace.1815', 'ada.lovelace.1815@example.com')).toMatch(/email/);
    expect(reason('ada.lovelace.1815@example.com', 'Ada.Lovelace.1815@example.com')).toMatch(
      /email/,
    );
    expect(reason('ada.lovelace.1815 rocks', 'ada.lovelace.1815@example.com')).toBe('ok');
  });
});
