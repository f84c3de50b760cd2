import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { MailOutboxRepository, OutboxStats } from './mail-outbox.repository';
import type { MailTemplate, MailTemplates } from './mail-templates';

export interface OutgoingMail<T extends MailTemplate> {
  to: string;
  template: T;
  context: MailTemplates[T];
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
      context: { ...mail.context },
    });
  }

  outboxStats(): Promise<OutboxStats> {
    return this.outbox.stats();
  }
}
