import { Module } from '@nestjs/common';
import { PasswordsModule } from '../passwords/passwords.module';
import { OwnerProofModule } from '../owner-proof/owner-proof.module';
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
 * the admin reset. Changes take the owner proof (owner-proof/), in whose throttled attempt a wrong
 * code counts like a wrong password.
 */
@Module({
  imports: [
    UsersModule,
    PasswordsModule,
    SessionsModule,
    NoticesModule,
    CryptoModule,
    OwnerProofModule,
    ChallengeModule,
  ],
  controllers: [MfaController, MfaAdminController],
  providers: [MfaRepository, MfaService],
  exports: [MfaService],
})
export class MfaModule {}
