import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuditContext } from '../audit/audit-context';
import type {
  OutboxListDto,
  OutboxQueryDto,
  PreviewQueryDto,
  QueuedDto,
  TemplateListDto,
  TestMailDto,
} from './dto/mail-admin.dto';
import { MailCatalog } from './mail-catalog';
import { MailOutboxRepository } from './mail-outbox.repository';
import { isMailTemplate, MAIL_TEMPLATE_NAMES, MailTemplate, SAMPLE_VARS } from './mail-templates';
import { MailRenderer } from './mail.renderer';
import { MailService } from './mail.service';
import { MailErrors } from './mail.errors';

/** The admin's view of mail: templates, previews with sample data, test mails, the outbox. */
@Injectable()
export class MailAdminService {
  constructor(
    private readonly catalog: MailCatalog,
    private readonly renderer: MailRenderer,
    private readonly mail: MailService,
    private readonly outbox: MailOutboxRepository,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  templates(): TemplateListDto {
    return {
      templates: MAIL_TEMPLATE_NAMES.map((name) => ({
        name,
        locales: this.catalog.localesOf(name),
      })),
    };
  }

  /** The mail as it would be sent, with sample data (never a real code or link). */
  preview(name: string, q: PreviewQueryDto): { contentType: string; body: string } {
    const template = this.templateNamed(name);
    const locale = q.locale ?? this.catalog.defaultLocale;
    if (!this.catalog.has(locale)) {
      throw MailErrors.locale_not_supported({
        message: [`locale must be one of ${this.catalog.locales.join(', ')}`],
      });
    }
    const mail = this.renderer.render(template, locale, 'ada@example.com', SAMPLE_VARS[template]);
    return q.format === 'text'
      ? {
          contentType: 'text/plain; charset=utf-8',
          body: `Subject: ${mail.subject}\n\n${mail.text}`,
        }
      : { contentType: 'text/html; charset=utf-8', body: mail.html };
  }

  /**
   * A sample of a template through the outbox, to check delivery end to end. Its language: the
   * one asked for, else the admin's Accept-Language, else MAIL_DEFAULT_LOCALE.
   */
  async sendTest(
    dto: TestMailDto,
    acceptLanguage: string | undefined,
    audit: AuditContext,
  ): Promise<QueuedDto> {
    const template = this.templateNamed(dto.template);
    const locale = dto.locale ?? this.catalog.resolve({ acceptLanguage });
    audit.setTarget({ email: dto.to.toLowerCase() }).addDetails({ template, locale });
    const id = await this.db.transaction((m) =>
      this.mail.enqueue(m, { to: dto.to, template, locale, context: SAMPLE_VARS[template] }),
    );
    audit.addDetails({ mail_id: id });
    return { id };
  }

  async list(q: OutboxQueryDto): Promise<OutboxListDto> {
    const [rows, total] = await this.outbox.list({
      status: q.status,
      to: q.to,
      page: q.page,
      perPage: q.per_page,
    });
    return {
      mails: rows.map((r) => ({
        id: String(r.id),
        to: r.to_address,
        template: r.template,
        locale: r.locale,
        status: r.status,
        attempts: Number(r.attempts),
        last_error: r.last_error,
        created_at: new Date(r.created_at).toISOString(),
        sent_at: r.sent_at ? new Date(r.sent_at).toISOString() : null,
      })),
      total_count: total,
      page: q.page,
      per_page: q.per_page,
    };
  }

  async retry(id: string, audit: AuditContext): Promise<void> {
    audit.addDetails({ mail_id: id });
    if (!/^\d{1,18}$/.test(id)) throw MailErrors.mail_not_found();
    const result = await this.outbox.retry(id);
    if (result === 'not_found') throw MailErrors.mail_not_found();
    if (result === 'not_failed') throw MailErrors.mail_not_failed();
    if (result === 'expired') throw MailErrors.mail_expired();
  }

  private templateNamed(name: string): MailTemplate {
    if (!isMailTemplate(name)) throw MailErrors.template_not_found();
    return name;
  }
}
