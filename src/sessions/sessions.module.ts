import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RateLimitModule } from '../common/rate-limit/rate-limit.module';
import { SessionPurgeService } from './session-purge.service';
import { Session } from './session.entity';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

@Module({
  imports: [TypeOrmModule.forFeature([Session]), RateLimitModule],
  providers: [SessionsRepository, SessionsService, SessionPurgeService],
  exports: [SessionsService],
})
export class SessionsModule {}
