/**
 * What each template needs; the renderer adds `appName`, `publicUrl`, `email` (the recipient),
 * `locale` and `dir`. Template names and variables are public: operators override files by name
 * (docs/operations.md, Mail, lists each template with these variables).
 */
export interface MailTemplates {
  /** Self sign-up: a code and a link to confirm the address. */
  'email-confirm': { code: string; link: string; codeMinutes: number; linkHours: number };
  /** An account an admin created: confirm, and choose a password when `setPassword`. */
  'account-invite': {
    code: string;
    link: string;
    codeMinutes: number;
    linkHours: number;
    setPassword: boolean;
  };
  /** Someone signed up with an address that already has an account. */
  'account-exists': Record<string, never>;
  'password-reset': { code: string; link: string; codeMinutes: number; linkMinutes: number };
  /**
   * Notice to the old address when the account's email changes; `confirmed`: the new address is
   * already proven (the user's own change), not waiting for its confirmation (an admin's change).
   */
  'email-changed': NoticeVars & { newEmail: string; confirmed: boolean };
  /** A code and a link to confirm the new address the user asked for; the link lives as the code. */
  'email-change-confirm': { code: string; link: string; codeMinutes: number };
  /** Notice to the old address when the user asks to change it (nothing changed yet). */
  'notice-email-change-requested': NoticeVars & { newEmail: string };
  /** To the owner of an address another account asked to move to; nothing changed. */
  'email-in-use': Record<string, never>;
  /** The code that confirms DELETE /me for an account without a password. */
  'account-delete-code': { code: string; codeMinutes: number };
  /** The code that confirms PUT /me/email for an account without a password (to the old address). */
  'email-change-code': { code: string; codeMinutes: number };
  /** Sign-in by emailed code. */
  'login-code': { code: string; codeMinutes: number };
  /** The code that confirms a second-factor change (POST /mfa/email-code) without a password. */
  'mfa-code': { code: string; codeMinutes: number };
  'notice-new-device': NoticeVars & { device: string; ip: string };
  'notice-password-changed': NoticeVars;
  'notice-password-reset': NoticeVars;
  'notice-account-blocked': NoticeVars & { blockedUntil: string | null };
  'notice-mfa-enabled': NoticeVars;
  'notice-mfa-disabled': NoticeVars;
  /** New recovery codes were made; the old ones stopped working. */
  'notice-mfa-recovery-codes': NoticeVars;
  'notice-mfa-reset': NoticeVars;
  /** A passkey was added (by the user), or removed (by the user or an admin). */
  'notice-passkey-added': NoticeVars & { passkeyName: string };
  'notice-passkey-removed': NoticeVars & { passkeyName: string };
}

/** Every security notice: when it happened (ISO time) and the "this wasn't me" link. */
export type NoticeVars = {
  at: string;
  secureLink: string;
};

export type MailTemplate = keyof MailTemplates;

const SAMPLE_AT = '2026-03-14T09:26:53.000Z';
const SAMPLE_SECURE = 'https://auth.example.com/account/secure?token=SAMPLE_TOKEN_NOT_VALID';
const SAMPLE_CODE = { code: '012345', codeMinutes: 10 };
const SAMPLE_LINK = 'https://auth.example.com/users/verify?token=SAMPLE_TOKEN_NOT_VALID';

/**
 * Sample data of every template: previews, test mails, and the start-up check that renders each
 * template once (a template that needs a variable no mail provides fails there, not at send time).
 * The keys of this object are the list of templates.
 */
export const SAMPLE_VARS: { [T in MailTemplate]: MailTemplates[T] } = {
  'email-confirm': { ...SAMPLE_CODE, link: SAMPLE_LINK, linkHours: 24 },
  'account-invite': { ...SAMPLE_CODE, link: SAMPLE_LINK, linkHours: 24, setPassword: true },
  'account-exists': {},
  'password-reset': {
    ...SAMPLE_CODE,
    link: 'https://auth.example.com/password/reset?token=SAMPLE_TOKEN_NOT_VALID',
    linkMinutes: 60,
  },
  'email-changed': {
    at: SAMPLE_AT,
    secureLink: SAMPLE_SECURE,
    newEmail: 'new@example.com',
    confirmed: false,
  },
  'email-change-confirm': {
    ...SAMPLE_CODE,
    link: 'https://auth.example.com/me/email/verify?token=SAMPLE_TOKEN_NOT_VALID',
  },
  'notice-email-change-requested': {
    at: SAMPLE_AT,
    secureLink: SAMPLE_SECURE,
    newEmail: 'new@example.com',
  },
  'email-in-use': {},
  'account-delete-code': SAMPLE_CODE,
  'email-change-code': SAMPLE_CODE,
  'mfa-code': SAMPLE_CODE,
  'login-code': SAMPLE_CODE,
  'notice-new-device': {
    at: SAMPLE_AT,
    secureLink: SAMPLE_SECURE,
    device: 'Firefox, Windows',
    ip: '203.0.113.7',
  },
  'notice-password-changed': { at: SAMPLE_AT, secureLink: SAMPLE_SECURE },
  'notice-password-reset': { at: SAMPLE_AT, secureLink: SAMPLE_SECURE },
  'notice-account-blocked': {
    at: SAMPLE_AT,
    secureLink: SAMPLE_SECURE,
    blockedUntil: '2026-03-21T09:00:00.000Z',
  },
  'notice-mfa-enabled': { at: SAMPLE_AT, secureLink: SAMPLE_SECURE },
  'notice-mfa-disabled': { at: SAMPLE_AT, secureLink: SAMPLE_SECURE },
  'notice-mfa-recovery-codes': { at: SAMPLE_AT, secureLink: SAMPLE_SECURE },
  'notice-mfa-reset': { at: SAMPLE_AT, secureLink: SAMPLE_SECURE },
  'notice-passkey-added': { at: SAMPLE_AT, secureLink: SAMPLE_SECURE, passkeyName: 'Phone' },
  'notice-passkey-removed': { at: SAMPLE_AT, secureLink: SAMPLE_SECURE, passkeyName: 'Phone' },
};

export const MAIL_TEMPLATE_NAMES = Object.keys(SAMPLE_VARS) as MailTemplate[];

/** The three files of a template in a locale folder: `<name>.<part>.hbs`. */
export const TEMPLATE_PARTS = ['subject', 'html', 'text'] as const;
export type TemplatePart = (typeof TEMPLATE_PARTS)[number];

export function isMailTemplate(name: string): name is MailTemplate {
  return Object.prototype.hasOwnProperty.call(SAMPLE_VARS, name);
}
