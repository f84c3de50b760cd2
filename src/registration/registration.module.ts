import { Module } from '@nestjs/common';
import { LoginThrottleModule } from '../login-throttle/login-throttle.module';
import { MailModule } from '../mail/mail.module';
import { NoticesModule } from '../notices/notices.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { OtpModule } from '../otp/otp.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AccountPages } from './account-pages';
import { PasswordResetController } from './password-reset.controller';
import { PasswordResetService } from './password-reset.service';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';
import { SecureAccountController } from './secure-account.controller';
import { SecureAccountService } from './secure-account.service';

/** Self-service: sign-up, email confirmation, forgot and reset password, "this wasn't me". */
@Module({
  imports: [
    UsersModule,
    PasswordsModule,
    OtpModule,
    SessionsModule,
    LoginThrottleModule,
    MailModule,
    NoticesModule,
  ],
  controllers: [RegistrationController, PasswordResetController, SecureAccountController],
  providers: [RegistrationService, PasswordResetService, SecureAccountService, AccountPages],
  exports: [AccountPages],
})
export class RegistrationModule {}
