import { Module } from '@nestjs/common';
import { ChallengeModule } from '../challenge/challenge.module';
import { NoticesModule } from '../notices/notices.module';
import { OwnerProofModule } from '../owner-proof/owner-proof.module';
import { UsersModule } from '../users/users.module';
import { PasskeysAdminController, PasskeysController } from './passkeys.controller';
import { PasskeysRepository } from './passkeys.repository';
import { PasskeysService } from './passkeys.service';

/**
 * Passkeys (WebAuthn): enrolment, the user's and the admins' routes, the checks of a passkey
 * sign-in (whose session the sign-in in auth/ opens), and the passkey answer at the second-factor
 * step (registered with challenge/).
 */
@Module({
  imports: [UsersModule, NoticesModule, OwnerProofModule, ChallengeModule],
  controllers: [PasskeysController, PasskeysAdminController],
  providers: [PasskeysRepository, PasskeysService],
  exports: [PasskeysService],
})
export class PasskeysModule {}
