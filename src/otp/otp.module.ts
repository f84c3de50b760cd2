import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RateLimitModule } from '../common/rate-limit/rate-limit.module';
import { MailModule } from '../mail/mail.module';
import { AccountMailService } from './account-mail.service';
import { OneTimeToken } from './one-time-token.entity';
import { OneTimeTokenRepository } from './one-time-token.repository';
import { OtpService } from './otp.service';

/** Codes and link tokens, their counters, and the account mails that carry them. */
@Module({
  imports: [TypeOrmModule.forFeature([OneTimeToken]), RateLimitModule, MailModule],
  providers: [OneTimeTokenRepository, OtpService, AccountMailService],
  exports: [OtpService, AccountMailService],
})
export class OtpModule {}
