/** Every event type an endpoint may subscribe to (or `*` for all). */
export const WEBHOOK_EVENT_TYPES = [
  'user.created',
  'user.confirmed',
  'user.updated',
  'user.email_changed',
  'user.password_changed',
  'user.blocked',
  'user.unblocked',
  'user.deleted',
  'user.mfa_enabled',
  'user.mfa_disabled',
  'user.passkey_added',
  'user.passkey_removed',
  'session.created',
  'session.revoked',
  'webhook.test',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What an endpoint may list in `events`. */
export const SUBSCRIBABLE = ['*', ...WEBHOOK_EVENT_TYPES] as const;

/**
 * The audit action (outcome `success`) that reports each kind of change. The audit record is
 * written in the transaction of the change, so the event made from it is too: one source for the
 * history and the webhooks, and no change can reach one without the other.
 */
export const EVENT_OF_ACTION: Readonly<Record<string, WebhookEventType>> = {
  register: 'user.created',
  user_add: 'user.created',
  email_confirm: 'user.confirmed',
  user_update: 'user.updated',
  profile_update: 'user.updated',
  email_change: 'user.email_changed',
  password_change: 'user.password_changed',
  password_reset: 'user.password_changed',
  user_block: 'user.blocked',
  user_unblock: 'user.unblocked',
  account_delete: 'user.deleted',
  mfa_enable: 'user.mfa_enabled',
  mfa_disable: 'user.mfa_disabled',
  mfa_reset: 'user.mfa_disabled',
  passkey_add: 'user.passkey_added',
  passkey_remove: 'user.passkey_removed',
  login: 'session.created',
  logout: 'session.revoked',
  logout_all: 'session.revoked',
  session_revoke: 'session.revoked',
  webhook_test: 'webhook.test',
};

/** The body a receiver gets (Standard Webhooks' `{type, timestamp, data}`). */
export interface WebhookPayload {
  type: WebhookEventType;
  timestamp: string;
  data: {
    user?: Record<string, unknown>;
    user_id?: number;
    actor: { type: 'user' | 'admin' | 'system'; id?: number };
    audit_id: string;
    session_id?: string;
    session_ids?: string[];
    webhook_id?: string;
  };
}
