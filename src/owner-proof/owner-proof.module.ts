import { Module } from '@nestjs/common';
import { LoginThrottleModule } from '../login-throttle/login-throttle.module';
import { OtpModule } from '../otp/otp.module';
import { UsersModule } from '../users/users.module';
import { OwnerProof } from './owner-proof.service';

/**
 * How a signed-in user proves they own the account before a sensitive action (the account's
 * deletion, its address, its password, its second factor, its passkeys). Below every module that
 * takes such a proof, so each of them imports it.
 */
@Module({
  imports: [UsersModule, OtpModule, LoginThrottleModule],
  providers: [OwnerProof],
  exports: [OwnerProof],
})
export class OwnerProofModule {}
