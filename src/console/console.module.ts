import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { SessionsModule } from '../sessions/sessions.module';
import { ConsoleController } from './console.controller';
import { ConsolePage } from './console-page';
import { ConsoleService } from './console.service';

/** The admin console at GET /admin: its files and its cookie sign-in (admin/ holds the source). */
@Module({
  imports: [AuthModule, SessionsModule],
  controllers: [ConsoleController],
  providers: [ConsolePage, ConsoleService],
})
export class ConsoleModule {}
