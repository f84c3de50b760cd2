import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionPurgeService } from './session-purge.service';
import { Session } from './session.entity';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** The sessions table's owner: create at login, validate, revoke; the /sessions routes. */
@Module({
  imports: [TypeOrmModule.forFeature([Session])],
  controllers: [SessionsController],
  providers: [SessionsRepository, SessionsService, SessionPurgeService],
  exports: [SessionsService],
})
export class SessionsModule {}
