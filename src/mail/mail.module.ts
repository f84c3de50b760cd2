import { MailerModule, MailerOptions } from '@nestjs-modules/mailer';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { mailConfig, MailConfig } from '../config/config';
import { CryptoModule } from '../crypto/crypto.module';
import { MailAdminService } from './mail-admin.service';
import { MailCatalog } from './mail-catalog';
import { MailController } from './mail.controller';
import { MailOutbox } from './mail-outbox.entity';
import { MailOutboxRepository } from './mail-outbox.repository';
import { MailRenderer } from './mail.renderer';
import { MailService } from './mail.service';
import { MailTransport } from './mail.transport';
import { MAIL_SEND_TIMEOUT_MS, MailWorker } from './mail.worker';

@Module({
  imports: [
    CryptoModule,
    TypeOrmModule.forFeature([MailOutbox]),
    MailerModule.forRootAsync({
      imports: [],
      inject: [mailConfig.KEY],
      useFactory: (mail: MailConfig): MailerOptions => ({
        // Short network timeouts: a hung server must fail the try (and be retried), not hold the lease.
        transport: mail.smtpUrl
          ? {
              url: mail.smtpUrl,
              connectionTimeout: 10_000,
              greetingTimeout: 10_000,
              socketTimeout: 30_000,
            }
          : { streamTransport: true, buffer: true, newline: 'unix' },
        // nodemailer 10 ships no types of its own for lib/*, and @types/nodemailer's Options
        // lose `from` under node16+ resolution: the field is plain nodemailer message defaults.
        defaults: { from: mail.from } as MailerOptions['defaults'],
        sendTimeout: MAIL_SEND_TIMEOUT_MS,
      }),
    }),
  ],
  controllers: [MailController],
  providers: [
    MailCatalog,
    MailOutboxRepository,
    MailRenderer,
    MailTransport,
    MailService,
    MailWorker,
    MailAdminService,
  ],
  exports: [MailService, MailWorker, MailCatalog, MailRenderer],
})
export class MailModule {}
