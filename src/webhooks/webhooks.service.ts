import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AuditContext } from '../audit/audit-context';
import type { AuthUser } from '../common/auth-user';
import { webhooksConfig, WebhooksConfig } from '../config/config';
import { SecretBox } from '../crypto/secret-box';
import { checkDestination, DestinationRefused } from './webhook-destination';
import { newSecret, secretAad } from './webhook-secret';
import {
  CreateWebhookDto,
  DeliveryListDto,
  DeliveryQueryDto,
  UpdateWebhookDto,
  WebhookDto,
  WebhookListDto,
  WebhookSecretDto,
  WebhookWithSecretDto,
} from './dto/webhook.dto';
import { WebhooksErrors } from './webhooks.errors';
import { EndpointRow, WebhooksRepository } from './webhooks.repository';

/** How long the secret before a rotation keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DELIVERY_ID = /^\d{1,18}$/;

function toDto(e: EndpointRow): WebhookDto {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    description: e.description,
    enabled: e.enabled,
    disabled_reason: e.enabled ? null : e.disabledReason,
    created_at: e.createdAt.toISOString(),
  };
}

/** What an audit record says of a URL: its origin, never a path or query that may hold a token. */
const originOf = (url: string) => new URL(url).origin;

/**
 * Webhook endpoints: a root manages them, an admin reads them. Each change and its audit record
 * commit together; the test event is the audit record of the test, turned into an event by the
 * outbox like every other change.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(webhooksConfig.KEY) private readonly cfg: WebhooksConfig,
    private readonly repo: WebhooksRepository,
    private readonly box: SecretBox,
  ) {}

  private rootOnly(actor: AuthUser): void {
    if (actor.role !== 'root') throw WebhooksErrors.root_only();
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await checkDestination(url, this.cfg);
    } catch (e) {
      if (e instanceof DestinationRefused) {
        throw WebhooksErrors.webhook_url_not_allowed({ message: `url: ${e.message}` });
      }
      throw e;
    }
  }

  private async mustFind(id: string): Promise<EndpointRow> {
    const e = UUID.test(id) ? await this.repo.findEndpoint(id) : undefined;
    if (!e) throw WebhooksErrors.webhook_not_found();
    return e;
  }

  async create(
    actor: AuthUser,
    dto: CreateWebhookDto,
    audit: AuditContext,
  ): Promise<WebhookWithSecretDto> {
    this.rootOnly(actor);
    await this.checkUrl(dto.url);
    const id = randomUUID();
    const secret = newSecret();
    const events = dto.events.includes('*') ? ['*'] : dto.events;
    return this.db.transaction(async (m) => {
      const row = await this.repo.insertEndpoint(m, {
        id,
        url: dto.url,
        events,
        description: dto.description ?? '',
        sealedSecret: this.box.seal(secret, secretAad(id)),
      });
      audit.addDetails({ webhook_id: id, url: originOf(dto.url), events });
      await audit.recordIn(m);
      return { ...toDto(row), secret };
    });
  }

  async list(): Promise<WebhookListDto> {
    return { webhooks: (await this.repo.listEndpoints()).map(toDto) };
  }

  async get(id: string): Promise<WebhookDto> {
    return toDto(await this.mustFind(id));
  }

  async update(
    actor: AuthUser,
    id: string,
    dto: UpdateWebhookDto,
    audit: AuditContext,
  ): Promise<WebhookDto> {
    this.rootOnly(actor);
    await this.mustFind(id);
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    const events = dto.events && (dto.events.includes('*') ? ['*'] : dto.events);
    return this.db.transaction(async (m) => {
      if (!(await this.repo.findEndpoint(id, m, true))) throw WebhooksErrors.webhook_not_found();
      const row = await this.repo.updateEndpoint(m, id, { ...dto, events });
      audit.addDetails({ webhook_id: id }).changed(Object.keys(dto));
      await audit.recordIn(m);
      return toDto(row);
    });
  }

  async remove(actor: AuthUser, id: string, audit: AuditContext): Promise<void> {
    this.rootOnly(actor);
    await this.mustFind(id);
    await this.db.transaction(async (m) => {
      const row = await this.repo.findEndpoint(id, m, true);
      if (!row) throw WebhooksErrors.webhook_not_found();
      await this.repo.deleteEndpoint(m, id);
      audit.addDetails({ webhook_id: id, url: originOf(row.url) });
      await audit.recordIn(m);
    });
  }

  async rotateSecret(actor: AuthUser, id: string, audit: AuditContext): Promise<WebhookSecretDto> {
    this.rootOnly(actor);
    await this.mustFind(id);
    const secret = newSecret();
    await this.db.transaction(async (m) => {
      if (!(await this.repo.findEndpoint(id, m, true))) throw WebhooksErrors.webhook_not_found();
      await this.repo.rotateSecret(
        m,
        id,
        this.box.seal(secret, secretAad(id)),
        ROTATION_OVERLAP_MS,
      );
      audit.addDetails({ webhook_id: id });
      await audit.recordIn(m);
    });
    return { secret };
  }

  /** A `webhook.test` event to this endpoint alone (the outbox makes it from the audit record). */
  async test(actor: AuthUser, id: string, audit: AuditContext): Promise<void> {
    this.rootOnly(actor);
    await this.mustFind(id);
    await this.db.transaction(async (m) => {
      if (!(await this.repo.findEndpoint(id, m, true))) throw WebhooksErrors.webhook_not_found();
      audit.addDetails({ webhook_id: id });
      await audit.recordIn(m);
    });
  }

  async deliveries(id: string, q: DeliveryQueryDto): Promise<DeliveryListDto> {
    await this.mustFind(id);
    const [rows, total] = await this.repo.listDeliveries({
      endpointId: id,
      status: q.status,
      page: q.page,
      perPage: q.per_page,
    });
    const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
    return {
      deliveries: rows.map((r) => ({
        id: String(r.id),
        event_id: r.event_id,
        event_type: r.event_type,
        status: r.status,
        attempts: Number(r.attempts),
        last_status: r.last_status === null ? null : Number(r.last_status),
        last_error: r.last_error,
        next_attempt_at: iso(r.next_attempt_at),
        created_at: iso(r.created_at)!,
        delivered_at: iso(r.delivered_at),
      })),
      total_count: total,
      page: q.page,
      per_page: q.per_page,
    };
  }

  async retry(actor: AuthUser, id: string, deliveryId: string, audit: AuditContext): Promise<void> {
    this.rootOnly(actor);
    await this.mustFind(id);
    audit.addDetails({ webhook_id: id, delivery_id: deliveryId });
    const status = DELIVERY_ID.test(deliveryId)
      ? await this.repo.retryDelivery(id, deliveryId)
      : undefined;
    if (!status) throw WebhooksErrors.delivery_not_found();
    if (status === 'delivered') throw WebhooksErrors.delivery_not_retryable();
  }
}
