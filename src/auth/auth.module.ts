import { Module } from '@nestjs/common';
import { RateLimitModule } from '../common/rate-limit/rate-limit.module';
import { MailModule } from '../mail/mail.module';
import { NoticesModule } from '../notices/notices.module';
import { OtpModule } from '../otp/otp.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { LoginCodeService } from './login-code.service';
import { LoginThrottle } from './login-throttle';
import { PasswordsModule } from '../passwords/passwords.module';
import { SessionCookie } from './session-cookie';

/**
 * Login, logout, token validation and the AuthGuard (a step of AppModule's global guard). Exports LoginThrottle (a password reset
 * clears it) and SessionsModule (password reset and blocking revoke sessions).
 */
@Module({
  imports: [
    UsersModule,
    PasswordsModule,
    SessionsModule,
    RateLimitModule,
    NoticesModule,
    OtpModule,
    MailModule,
  ],
  controllers: [AuthController],
  providers: [AuthService, LoginCodeService, LoginThrottle, SessionCookie, AuthGuard],
  exports: [AuthService, LoginThrottle, SessionCookie, SessionsModule, AuthGuard],
})
export class AuthModule {}
