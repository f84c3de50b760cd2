import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuditContext } from '../audit/audit-context';
import { Audit, AuditCtx } from '../audit/audit.decorator';
import type { AuthUser } from '../common/auth-user';
import { AdminOnly } from '../common/decorators/admin-only.decorator';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { CommonErrors } from '../common/errors';
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
import { WebhooksService } from './webhooks.service';

/** Webhook endpoints: a `root` changes them, an `admin` may read them. */
@ApiTags('webhooks')
@AdminOnly()
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: 'Add an endpoint; the answer holds its signing secret, shown this once',
    description:
      'Deliveries are signed as Standard Webhooks (webhook-id, webhook-timestamp, ' +
      'webhook-signature). Root only.',
  })
  @ApiCreatedResponse({ type: WebhookWithSecretDto })
  @ApiErrors(
    CommonErrors.validation_failed,
    WebhooksErrors.webhook_url_not_allowed,
    WebhooksErrors.root_only,
  )
  @Audit('webhook_create')
  create(
    @CurrentUser() actor: AuthUser,
    @Body() dto: CreateWebhookDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<WebhookWithSecretDto> {
    return this.webhooks.create(actor, dto, audit);
  }

  @Get()
  @ApiOperation({
    summary: 'Every endpoint (never a secret)',
    description: 'Oldest first, with whether each is enabled and why not.',
  })
  @ApiOkResponse({ type: WebhookListDto })
  list(): Promise<WebhookListDto> {
    return this.webhooks.list();
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One endpoint (never its secret)',
    description: '404 webhook_not_found for an unknown id.',
  })
  @ApiOkResponse({ type: WebhookDto })
  @ApiErrors(WebhooksErrors.webhook_not_found)
  get(@Param('id') id: string): Promise<WebhookDto> {
    return this.webhooks.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change the URL, events, description, or enable/disable an endpoint',
    description: 'Enabling a disabled endpoint resumes its pending deliveries. Root only.',
  })
  @ApiOkResponse({ type: WebhookDto })
  @ApiErrors(
    CommonErrors.validation_failed,
    WebhooksErrors.webhook_not_found,
    WebhooksErrors.webhook_url_not_allowed,
    WebhooksErrors.root_only,
  )
  @Audit('webhook_update')
  update(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @Body() dto: UpdateWebhookDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<WebhookDto> {
    return this.webhooks.update(actor, id, dto, audit);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint and its deliveries', description: 'Root only.' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(WebhooksErrors.webhook_not_found, WebhooksErrors.root_only)
  @Audit('webhook_delete')
  remove(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @AuditCtx() audit: AuditContext,
  ): Promise<void> {
    return this.webhooks.remove(actor, id, audit);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A new signing secret; the old one keeps signing beside it for 24 hours',
    description: 'During those 24 hours each delivery carries two `v1,` signatures. Root only.',
  })
  @ApiOkResponse({ type: WebhookSecretDto })
  @ApiErrors(WebhooksErrors.webhook_not_found, WebhooksErrors.root_only)
  @Audit('webhook_rotate')
  rotate(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @AuditCtx() audit: AuditContext,
  ): Promise<WebhookSecretDto> {
    return this.webhooks.rotateSecret(actor, id, audit);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a `webhook.test` event to this endpoint',
    description: 'Root only.',
  })
  @ApiAcceptedResponse({ description: 'Queued' })
  @ApiErrors(WebhooksErrors.webhook_not_found, WebhooksErrors.root_only)
  @Audit('webhook_test')
  test(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @AuditCtx() audit: AuditContext,
  ): Promise<void> {
    return this.webhooks.test(actor, id, audit);
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: 'The delivery log of an endpoint, newest first',
    description: 'Status, attempts, last HTTP status and error of each delivery.',
  })
  @ApiOkResponse({ type: DeliveryListDto })
  @ApiErrors(CommonErrors.validation_failed, WebhooksErrors.webhook_not_found)
  deliveries(@Param('id') id: string, @Query() query: DeliveryQueryDto): Promise<DeliveryListDto> {
    return this.webhooks.deliveries(id, query);
  }

  @Post(':id/deliveries/:delivery_id/retry')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Attempt a pending or failed delivery now',
    description: 'A failed delivery gets the whole retry schedule again. Root only.',
  })
  @ApiAcceptedResponse({ description: 'Queued' })
  @ApiErrors(
    WebhooksErrors.webhook_not_found,
    WebhooksErrors.delivery_not_found,
    WebhooksErrors.delivery_not_retryable,
    WebhooksErrors.root_only,
  )
  @Audit('webhook_retry')
  retry(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @Param('delivery_id') deliveryId: string,
    @AuditCtx() audit: AuditContext,
  ): Promise<void> {
    return this.webhooks.retry(actor, id, deliveryId, audit);
  }
}
