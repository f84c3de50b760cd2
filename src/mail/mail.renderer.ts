import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { appConfig, AppConfig } from '../config/config';
import { MailCatalog } from './mail-catalog';
import { MAIL_TEMPLATE_NAMES, MailTemplate, SAMPLE_VARS } from './mail-templates';

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/**
 * Renders a mail from its locale's templates inside that locale's layouts. Rendered here rather
 * than by the mailer at send time, so the worker hands finished HTML and text to whichever
 * transport it uses (SMTP, or files in dev), and previews show exactly what is sent.
 */
@Injectable()
export class MailRenderer implements OnModuleInit {
  constructor(
    private readonly catalog: MailCatalog,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  onModuleInit(): void {
    this.checkAll();
  }

  /**
   * Renders every template of every locale once with sample data, so a template that uses a
   * variable no mail provides stops the start (strict mode) instead of failing a real mail.
   */
  checkAll(): void {
    for (const locale of this.catalog.locales) {
      for (const name of MAIL_TEMPLATE_NAMES) {
        try {
          this.render(name, locale, 'ada@example.com', SAMPLE_VARS[name]);
        } catch (e) {
          throw new Error(
            `mail template ${name} (${locale}) does not render: ${(e as Error).message}`,
          );
        }
      }
    }
  }

  render(
    template: MailTemplate,
    locale: string,
    to: string,
    context: Record<string, unknown>,
  ): RenderedMail {
    const lang = this.catalog.has(locale) ? locale : this.catalog.defaultLocale;
    const data = {
      ...context,
      email: to,
      appName: this.app.appName,
      publicUrl: this.app.publicUrl,
      locale: lang,
      dir: this.catalog.dir(lang),
    };
    const file = (part: string) => this.catalog.file(lang, `${template}.${part}`)(data);
    const subject = file('subject').replace(/\s+/g, ' ').trim();
    const preheader = this.catalog.preheader(lang, template)?.(data) ?? '';
    const html = this.catalog.file(
      lang,
      'layout.html',
    )({
      ...data,
      subject,
      preheader,
      secureLink: context.secureLink ?? null,
      body: file('html'),
    });
    const text = this.catalog.file(
      lang,
      'layout.text',
    )({
      ...data,
      secureLink: context.secureLink ?? null,
      body: file('text').trim(),
    });
    return { subject, html, text: text.replace(/\n{3,}/g, '\n\n') };
  }
}
