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
  /** Sign-in by emailed code (POST /login/code). */
  'login-code': { code: string; codeMinutes: number };
  /** To the new address of a change the user asked for: a code and a link to confirm it. */
  'email-change-confirm': { code: string; link: string; codeMinutes: number };
  /** To the old address when the user asks for a change. */
  'email-change-requested': { newEmail: string };
  /** To the owner of an address another account asked to take. */
  'email-in-use': Record<string, never>;
  /** To the old address once the user's change is confirmed. */
  'email-change-done': { newEmail: string };
  /** The code that confirms deleting an account without a password. */
  'account-delete-code': { code: string; codeMinutes: number };
}

export type MailTemplate = keyof MailTemplates;

export const MAIL_SUBJECTS: Record<MailTemplate, string> = {
  'email-confirm': 'Confirm your email for {{appName}}',
  'account-invite': 'Your new {{appName}} account',
  'account-exists': 'Someone tried to sign up to {{appName}} with your address',
  'password-reset': 'Reset your {{appName}} password',
  'email-changed': 'Your {{appName}} sign-in email was changed',
  'login-code': 'Your {{appName}} sign-in code',
  'email-change-confirm': 'Confirm your new {{appName}} sign-in email',
  'email-change-requested': 'A change of your {{appName}} sign-in email was requested',
  'email-in-use': 'Someone tried to use your address at {{appName}}',
  'email-change-done': 'Your {{appName}} sign-in email was changed',
  'account-delete-code': 'Confirm the deletion of your {{appName}} account',
};

export function isMailTemplate(name: string): name is MailTemplate {
  return Object.prototype.hasOwnProperty.call(MAIL_SUBJECTS, name);
}
