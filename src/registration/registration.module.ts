import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { OtpModule } from '../otp/otp.module';
import { UsersModule } from '../users/users.module';
import { AccountPages } from './account-pages';
import { PasswordResetController } from './password-reset.controller';
import { PasswordResetService } from './password-reset.service';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';

/** Self-service: sign-up, email confirmation, forgot and reset password. */
@Module({
  imports: [UsersModule, PasswordsModule, OtpModule, AuthModule],
  controllers: [RegistrationController, PasswordResetController],
  providers: [RegistrationService, PasswordResetService, AccountPages],
})
export class RegistrationModule {}
