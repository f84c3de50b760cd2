import { Module } from '@nestjs/common';
import { ChallengeRepository } from './challenge.repository';
import { ChallengeService } from './challenge.service';

/**
 * The step between a first factor and a session. One instance for the app: the second factors
 * (mfa/, passkeys next) register with it, and the sign-in (auth/) opens and redeems challenges.
 */
@Module({
  providers: [ChallengeRepository, ChallengeService],
  exports: [ChallengeService],
})
export class ChallengeModule {}
