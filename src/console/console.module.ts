import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { IdentitiesModule } from '../identities/identities.module';
import { SessionsModule } from '../sessions/sessions.module';
import { ConsoleController } from './console.controller';
import { ConsolePage } from './console-page';
import { ConsoleService } from './console.service';

/**
 * The admin console at GET /admin: its files and its cookie sign-in, by password or through a
 * provider (admin/ holds the source).
 */
@Module({
  imports: [AuthModule, IdentitiesModule, SessionsModule],
  controllers: [ConsoleController],
  providers: [ConsolePage, ConsoleService],
})
export class ConsoleModule {}
