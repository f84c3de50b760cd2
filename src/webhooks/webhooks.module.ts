import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CryptoModule } from '../crypto/crypto.module';
import { EventsModule } from '../events/events.module';
import { MetricsModule } from '../metrics/metrics.module';
import { UsersModule } from '../users/users.module';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookOutbox } from './webhook-outbox.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks: the endpoints and their routes, the outbox that turns each change's audit record
 * into an event in the change's transaction, and the worker that delivers them.
 */
@Module({
  imports: [AuditModule, CryptoModule, EventsModule, UsersModule, MetricsModule],
  controllers: [WebhooksController],
  providers: [WebhooksRepository, WebhooksService, WebhookOutbox, WebhookDeliveryWorker],
})
export class WebhooksModule {}
