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
import { LoginThrottleModule } from '../login-throttle/login-throttle.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { SessionCookie } from './session-cookie';
import { SignInService } from './sign-in.service';
import { MfaModule } from '../mfa/mfa.module';
import { ChallengeModule } from '../challenge/challenge.module';
import { TokensModule } from '../tokens/tokens.module';
import { OwnerProofModule } from '../owner-proof/owner-proof.module';
import { PasskeysModule } from '../passkeys/passkeys.module';

/** Login, logout, token validation and the AuthGuard (a step of AppModule's global guard). */
@Module({
  imports: [
    UsersModule,
    PasswordsModule,
    SessionsModule,
    RateLimitModule,
    NoticesModule,
    OtpModule,
    MailModule,
    MfaModule,
    ChallengeModule,
    LoginThrottleModule,
    TokensModule,
    OwnerProofModule,
    PasskeysModule,
  ],
  controllers: [AuthController],
  providers: [AuthService, SignInService, LoginCodeService, SessionCookie, AuthGuard],
  exports: [AuthService, SignInService, SessionCookie, AuthGuard],
})
export class AuthModule {}
