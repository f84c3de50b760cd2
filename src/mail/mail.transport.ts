import { MailerService } from '@nestjs-modules/mailer';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { databaseConfig, DatabaseConfig, mailConfig, MailConfig } from '../config/config';
import { inSpan, type SpanAttributes } from '../telemetry/spans';
import type { RenderedMail } from './mail.renderer';

/**
 * Hands a rendered mail to nodemailer (through the mailer module). With SMTP_URL it goes to that
 * server; without, nodemailer builds the raw message in memory and it is written to
 * `DATA_DIR/mail/*.eml`, so a developer can read codes and links with no mail server. The log line
 * names the file but holds no part of the mail's body: no log line may hold a code or a link.
 */
@Injectable()
export class MailTransport {
  private readonly logger = new Logger('Mail');
  readonly mailDir: string;

  constructor(
    private readonly mailer: MailerService,
    @Inject(mailConfig.KEY) private readonly cfg: MailConfig,
    @Inject(databaseConfig.KEY) db: DatabaseConfig,
  ) {
    this.mailDir = join(db.dataDir, 'mail');
  }

  get usesSmtp(): boolean {
    return !!this.cfg.smtpUrl;
  }

  /** Where mail goes, for the span (never the URL itself: it may hold the SMTP password). */
  private smtpPeer(): SpanAttributes {
    const url = new URL(this.cfg.smtpUrl!);
    const port = Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587);
    return { 'server.address': url.hostname, 'server.port': port };
  }

  async send(id: string, to: string, mail: RenderedMail): Promise<void> {
    const sendMail = () =>
      this.mailer.sendMail({
        to,
        from: this.cfg.from,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
      }) as Promise<{ message?: Buffer | string }>;
    if (this.usesSmtp) {
      // A trace span per SMTP send when tracing is on (no address in it: the outbox id names the mail).
      await inSpan('smtp send', { ...this.smtpPeer(), 'mail.outbox_id': id }, sendMail);
      return;
    }
    const info = await sendMail();

    await mkdir(this.mailDir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(this.mailDir, `${stamp}-${id}.eml`);
    // Written aside and renamed, so whoever watches the folder never reads half a mail.
    await writeFile(`${file}.part`, info.message ?? '', { mode: 0o600 });
    await rename(`${file}.part`, file);
    this.logger.log({
      msg: 'mail not sent (no SMTP_URL); written to file',
      to,
      subject: mail.subject,
      file,
    });
  }
}
