import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { MailOutboxRepository, OutboxStats } from './mail-outbox.repository';
import type { MailTemplate, MailTemplates } from './mail-templates';

export interface OutgoingMail<T extends MailTemplate> {
  to: string;
  template: T;
  /** A supported locale (MailCatalog.resolve); rendered in it when sent. */
  locale: string;
  context: MailTemplates[T];
  /** When the code or link in `context` stops working (a failed mail can be retried until then). */
  expiresAt?: Date;
}

/**
 * The only way to send mail: write it to the outbox in the caller's transaction, so a mail exists
 * exactly when what it is about was committed. The MailWorker delivers it later, never in a request.
 */
@Injectable()
export class MailService {
  constructor(private readonly outbox: MailOutboxRepository) {}

  enqueue<T extends MailTemplate>(manager: EntityManager, mail: OutgoingMail<T>): Promise<string> {
    return this.outbox.add(manager, {
      to: mail.to,
      template: mail.template,
      locale: mail.locale,
      context: { ...mail.context },
      expiresAt: mail.expiresAt ?? null,
    });
  }

  outboxStats(): Promise<OutboxStats> {
    return this.outbox.stats();
  }
}
