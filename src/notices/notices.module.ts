import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { OtpModule } from '../otp/otp.module';
import { SecurityNotices } from './security-notices.service';
import { UserDevicesRepository } from './user-devices.repository';

/** Security notices and the devices they compare sign-ins against. */
@Module({
  imports: [OtpModule, MailModule],
  providers: [SecurityNotices, UserDevicesRepository],
  exports: [SecurityNotices],
})
export class NoticesModule {}
