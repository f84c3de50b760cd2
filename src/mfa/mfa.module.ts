import { Module } from '@nestjs/common';
import { LoginThrottle } from '../auth/login-throttle';
import { PasswordsModule } from '../passwords/passwords.module';
import { Clock } from '../common/clock';
import { RateLimitModule } from '../common/rate-limit/rate-limit.module';
import { CryptoModule } from '../crypto/crypto.module';
import { NoticesModule } from '../notices/notices.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { MfaAdminController, MfaController } from './mfa.controller';
import { MfaRepository } from './mfa.repository';
import { MfaService } from './mfa.service';

/**
 * The second factor: TOTP enrolment, checks and recovery codes (used by the login in auth/), and
 * the admin reset. LoginThrottle is provided here as well (it holds no state of its own, only the
 * shared counters), so wrong current passwords on these routes count like wrong logins.
 */
@Module({
  imports: [
    UsersModule,
    PasswordsModule,
    SessionsModule,
    NoticesModule,
    CryptoModule,
    RateLimitModule,
  ],
  controllers: [MfaController, MfaAdminController],
  providers: [MfaRepository, MfaService, Clock, LoginThrottle],
  exports: [MfaService],
})
export class MfaModule {}
