import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { IpRateLimitModule } from './common/rate-limit/ip-rate-limit.module';
import { allConfigs } from './config/config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { SessionsModule } from './sessions/sessions.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    // .env is loaded by main.ts / cli.ts before anything else; here only the typed namespaces.
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfigs }),
    CommonModule,
    DatabaseModule,
    AuditModule,
    IpRateLimitModule,
    HealthModule,
    UsersModule,
    SessionsModule,
    AuthModule,
  ],
})
export class AppModule {}
