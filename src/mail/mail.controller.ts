import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuditContext } from '../audit/audit-context';
import { AcceptLanguage } from '../common/decorators/accept-language.decorator';
import { AdminOnly } from '../common/decorators/admin-only.decorator';
import { Audit, AuditCtx } from '../audit/audit.decorator';
import {
  OutboxListDto,
  OutboxQueryDto,
  PreviewQueryDto,
  QueuedDto,
  TemplateListDto,
  TestMailDto,
} from './dto/mail-admin.dto';
import { MailAdminService } from './mail-admin.service';
import { CommonErrors } from '../common/errors';
import { MailErrors } from './mail.errors';
import { ApiErrors } from '../common/decorators/api-errors.decorator';

/** Mail for `root` and `admin`: templates, previews, test mails and the outbox. */
@ApiTags('mail')
@AdminOnly()
@Controller('mail')
export class MailController {
  constructor(private readonly mail: MailAdminService) {}

  @Get('templates')
  @ApiOperation({
    summary: 'The mail templates and the locales each is written in',
    description: 'Shipped templates and the operator overrides of MAIL_TEMPLATES_DIR, by name.',
  })
  @ApiOkResponse({ type: TemplateListDto })
  templates(): TemplateListDto {
    return this.mail.templates();
  }

  @Get('templates/:name/preview')
  @ApiOperation({
    summary: 'A template rendered with sample data (operator overrides included)',
    description: 'format=html: the HTML part; format=text: "Subject: ..." and the text part.',
  })
  @ApiProduces('text/html', 'text/plain')
  @ApiOkResponse({ description: 'The rendered mail' })
  @ApiErrors(CommonErrors.validation_failed, MailErrors.template_not_found)
  preview(
    @Param('name') name: string,
    @Query() query: PreviewQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): string {
    const { contentType, body } = this.mail.preview(name, query);
    res.setHeader('Content-Type', contentType);
    return body;
  }

  @Post('test')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a sample of a template through the outbox',
    description:
      'Locale: `locale`, else the Accept-Language of the request, else MAIL_DEFAULT_LOCALE.',
  })
  @ApiAcceptedResponse({ type: QueuedDto })
  @ApiErrors(CommonErrors.validation_failed)
  @Audit('mail_test')
  test(
    @Body() dto: TestMailDto,
    @AcceptLanguage() acceptLanguage: string | undefined,
    @AuditCtx() audit: AuditContext,
  ): Promise<QueuedDto> {
    return this.mail.sendTest(dto, acceptLanguage, audit);
  }

  @Get('outbox')
  @ApiOperation({
    summary: 'The outbox: status, attempts and last error of each mail (never a code or link)',
    description: 'Newest first; filter by status and recipient address.',
  })
  @ApiOkResponse({ type: OutboxListDto })
  @ApiErrors(CommonErrors.validation_failed)
  outbox(@Query() query: OutboxQueryDto): Promise<OutboxListDto> {
    return this.mail.list(query);
  }

  @Post('outbox/:id/retry')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Queue a failed mail for one more try, while its code or link still works',
    description: 'Only a failed mail; 409 mail_expired once its code or link has stopped working.',
  })
  @ApiAcceptedResponse({ description: 'Queued' })
  @ApiErrors(MailErrors.mail_not_found, MailErrors.mail_expired, MailErrors.mail_not_failed)
  @Audit('mail_retry')
  retry(@Param('id') id: string, @AuditCtx() audit: AuditContext): Promise<void> {
    return this.mail.retry(id, audit);
  }
}
