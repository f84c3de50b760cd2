import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { IpRateLimitModule } from './common/rate-limit/ip-rate-limit.module';
import { allConfigs } from './config/config';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MailModule } from './mail/mail.module';
import { OtpModule } from './otp/otp.module';
import { RegistrationModule } from './registration/registration.module';
import { SessionsModule } from './sessions/sessions.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    // .env is loaded by main.ts / cli.ts before anything else; here only the typed namespaces.
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfigs }),
    // AuditModule before every module that registers an APP_GUARD: its AuditedRouteGuard must run first.
    CommonModule,
    DatabaseModule,
    CryptoModule,
    AuditModule,
    IpRateLimitModule,
    HealthModule,
    // Before UsersModule: its routes (GET /users/verify) must be matched before /users/:id.
    RegistrationModule,
    UsersModule,
    MailModule,
    OtpModule,
    SessionsModule,
    AuthModule,
  ],
})
export class AppModule {}
