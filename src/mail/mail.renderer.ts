import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { appConfig, AppConfig } from '../config/config';
import { MailCatalog, MailTemplateError } from './mail-catalog';
import { MAIL_TEMPLATE_NAMES, MailTemplate, SAMPLE_VARS, TEMPLATE_PARTS } from './mail-templates';

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
   * Renders every file of every locale once with sample data, so a template that uses a variable
   * no mail provides stops the start (strict mode), naming its file, instead of failing a real mail.
   */
  checkAll(): void {
    for (const locale of this.catalog.locales) {
      for (const name of MAIL_TEMPLATE_NAMES) {
        const data = this.data(locale, 'ada@example.com', SAMPLE_VARS[name]);
        for (const part of TEMPLATE_PARTS) this.tryRender(locale, `${name}.${part}`, data);
        const layout = { ...data, subject: 'Subject', preheader: '', body: '' };
        for (const part of ['html', 'text']) this.tryRender(locale, `layout.${part}`, layout);
      }
    }
  }

  private tryRender(locale: string, key: string, data: object): void {
    try {
      this.catalog.file(locale, key)(data);
    } catch (e) {
      throw new MailTemplateError(
        this.catalog.pathOf(locale, key),
        `does not render with the variables docs/operations.md (Mail) lists: ${(e as Error).message.split('\n')[0]}`,
      );
    }
  }

  private data(locale: string, to: string, context: Record<string, unknown>) {
    return {
      ...context,
      secureLink: context.secureLink ?? null,
      email: to,
      appName: this.app.appName,
      publicUrl: this.app.publicUrl,
      locale,
      dir: this.catalog.dir(locale),
    };
  }

  render(
    template: MailTemplate,
    locale: string,
    to: string,
    context: Record<string, unknown>,
  ): RenderedMail {
    const lang = this.catalog.has(locale) ? locale : this.catalog.defaultLocale;
    const data = this.data(lang, to, context);
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
      body: file('html'),
    });
    const text = this.catalog.file(
      lang,
      'layout.text',
    )({
      ...data,
      body: file('text').trim(),
    });
    return { subject, html, text: text.replace(/\n{3,}/g, '\n\n') };
  }
}
