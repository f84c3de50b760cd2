import { Module } from '@nestjs/common';
import { LoginThrottleModule } from '../login-throttle/login-throttle.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { Clock } from '../common/clock';
import { OtpModule } from '../otp/otp.module';
import { ChallengeModule } from '../challenge/challenge.module';
import { CryptoModule } from '../crypto/crypto.module';
import { NoticesModule } from '../notices/notices.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { MfaAdminController, MfaController } from './mfa.controller';
import { MfaRepository } from './mfa.repository';
import { MfaService } from './mfa.service';

/**
 * The second factor: TOTP enrolment, checks and recovery codes (used by the login in auth/), and
 * the admin reset. Wrong current passwords and codes on these routes count in the login throttle
 * like wrong logins; an account without a password confirms its changes by a mailed code (otp/).
 */
@Module({
  imports: [
    UsersModule,
    PasswordsModule,
    SessionsModule,
    NoticesModule,
    CryptoModule,
    LoginThrottleModule,
    OtpModule,
    ChallengeModule,
  ],
  controllers: [MfaController, MfaAdminController],
  providers: [MfaRepository, MfaService, Clock],
  exports: [MfaService],
})
export class MfaModule {}
