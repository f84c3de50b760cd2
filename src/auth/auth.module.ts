import { Module } from '@nestjs/common';
import { RateLimitModule } from '../common/rate-limit/rate-limit.module';
import { NoticesModule } from '../notices/notices.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { LoginThrottle } from './login-throttle';
import { PasswordsModule } from '../passwords/passwords.module';
import { SessionCookie } from './session-cookie';
import { SignInService } from './sign-in.service';
import { MfaModule } from '../mfa/mfa.module';

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
    MfaModule,
  ],
  controllers: [AuthController],
  providers: [AuthService, SignInService, LoginThrottle, SessionCookie, AuthGuard],
  exports: [LoginThrottle, SessionsModule, AuthGuard],
})
export class AuthModule {}
