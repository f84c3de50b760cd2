import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitModule } from '../common/rate-limit/rate-limit.module';
import { OtpModule } from '../otp/otp.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { LoginCodeService } from './login-code.service';
import { LoginThrottle } from './login-throttle';
import { PasswordModule } from './password.module';
import { SessionCookie } from './session-cookie';

/**
 * Login, logout, token validation and the global AuthGuard. Exports LoginThrottle (a password reset
 * clears it) and SessionsModule (password reset and blocking revoke sessions).
 */
@Module({
  imports: [UsersModule, PasswordModule, SessionsModule, RateLimitModule, OtpModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    LoginCodeService,
    LoginThrottle,
    SessionCookie,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, LoginThrottle, SessionCookie, SessionsModule],
})
export class AuthModule {}
