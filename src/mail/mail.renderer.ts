import { Inject, Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appConfig, AppConfig } from '../config/config';
import { MAIL_SUBJECTS, MailTemplate } from './mail-templates';

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

const TEMPLATE_DIR = join(__dirname, 'templates');

type Compiled = Handlebars.TemplateDelegate;

/**
 * Renders each mail from its Handlebars templates (`templates/<name>.html.hbs` and `.text.hbs`)
 * inside the shared layouts. Rendered here rather than by the mailer at send time, so the worker
 * hands finished HTML and text to whichever transport it uses (SMTP, or files in dev).
 */
@Injectable()
export class MailRenderer {
  private readonly hbs = Handlebars.create();
  private readonly cache = new Map<string, Compiled>();

  constructor(@Inject(appConfig.KEY) private readonly app: AppConfig) {}

  private compiled(file: string, escape: boolean): Compiled {
    const key = `${file}:${escape}`;
    let t = this.cache.get(key);
    if (!t) {
      t = this.hbs.compile(readFileSync(join(TEMPLATE_DIR, file), 'utf8'), {
        noEscape: !escape,
        strict: true,
      });
      this.cache.set(key, t);
    }
    return t;
  }

  render(template: MailTemplate, to: string, context: Record<string, unknown>): RenderedMail {
    const data = {
      ...context,
      email: to,
      appName: this.app.appName,
      publicUrl: this.app.publicUrl,
    };
    const subject = this.hbs.compile(MAIL_SUBJECTS[template], { noEscape: true })(data);
    const html = this.compiled(
      'layout.html.hbs',
      true,
    )({
      ...data,
      subject,
      body: this.compiled(`${template}.html.hbs`, true)(data),
    });
    const text = this.compiled(
      'layout.text.hbs',
      false,
    )({
      ...data,
      body: this.compiled(`${template}.text.hbs`, false)(data).trim(),
    });
    return { subject, html, text };
  }
}
