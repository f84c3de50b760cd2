/** What each template needs; the renderer adds `appName`, `publicUrl` and `email`. */
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
  /** To the old address when an admin changes a user's email. */
  'email-changed': { newEmail: string };
  /** Security notices of second-factor changes (no secret, no code: only what happened). */
  'notice-mfa-enabled': Record<string, never>;
  'notice-mfa-disabled': Record<string, never>;
  'notice-mfa-recovery-codes': Record<string, never>;
  'notice-mfa-reset': Record<string, never>;
}

export type MailTemplate = keyof MailTemplates;

/** The notices that need nothing but the address they go to. */
export type NoticeTemplate = {
  [K in MailTemplate]: MailTemplates[K] extends Record<string, never> ? K : never;
}[MailTemplate];

export const MAIL_SUBJECTS: Record<MailTemplate, string> = {
  'email-confirm': 'Confirm your email for {{appName}}',
  'account-invite': 'Your new {{appName}} account',
  'account-exists': 'Someone tried to sign up to {{appName}} with your address',
  'password-reset': 'Reset your {{appName}} password',
  'email-changed': 'Your {{appName}} sign-in email was changed',
  'notice-mfa-enabled': 'Two-step sign-in is now on for your {{appName}} account',
  'notice-mfa-disabled': 'Two-step sign-in was turned off for your {{appName}} account',
  'notice-mfa-recovery-codes': 'New recovery codes for your {{appName}} account',
  'notice-mfa-reset': 'An administrator removed two-step sign-in from your {{appName}} account',
};

export function isMailTemplate(name: string): name is MailTemplate {
  return Object.prototype.hasOwnProperty.call(MAIL_SUBJECTS, name);
}
