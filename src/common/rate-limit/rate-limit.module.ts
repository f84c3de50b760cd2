import { Module } from '@nestjs/common';
import { RateLimitPurgeService } from './rate-limit-purge.service';
import { RateLimitService } from './rate-limit.service';

@Module({
  providers: [RateLimitService, RateLimitPurgeService],
  exports: [RateLimitService],
})
export class RateLimitModule {}
