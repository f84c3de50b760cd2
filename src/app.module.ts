import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { AccountModule } from './account/account.module';
import { AuditModule } from './audit/audit.module';
import { AuditedRouteGuard } from './audit/audited-route.guard';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { ConsoleModule } from './console/console.module';
import { AccountPageModule } from './account-page/account-page.module';
import { ContentTypeGuard } from './common/guards/content-type.guard';
import { RoutePipelineGuard } from './common/guards/route-pipeline.guard';
import { IpRateLimitModule } from './common/rate-limit/ip-rate-limit.module';
import { allConfigs } from './config/config';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { IdentitiesModule } from './identities/identities.module';
import { MailModule } from './mail/mail.module';
import { MetricsModule } from './metrics/metrics.module';
import { OtpModule } from './otp/otp.module';
import { RegistrationModule } from './registration/registration.module';
import { SessionsModule } from './sessions/sessions.module';
import { TelemetryModule } from './telemetry/telemetry.module';
import { UsersModule } from './users/users.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    // .env is loaded by main.ts / cli.ts before anything else; here only the typed namespaces.
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfigs }),
    CommonModule,
    DatabaseModule,
    EventsModule,
    CryptoModule,
    AuditModule,
    IpRateLimitModule,
    HealthModule,
    MetricsModule,
    // Before UsersModule: its routes (GET /users/verify) must be matched before /users/:id.
    RegistrationModule,
    UsersModule,
    MailModule,
    OtpModule,
    SessionsModule,
    AuthModule,
    AccountModule,
    IdentitiesModule,
    ConsoleModule,
    AccountPageModule,
    TelemetryModule,
    WebhooksModule,
  ],
  providers: [
    {
      // The one global guard, its steps in this order: the audit metadata first, so that a denial
      // by any later step (or a route's AdminGuard) is recorded as access_denied; then the body's
      // type (415), then authentication (401).
      provide: APP_GUARD,
      inject: [Reflector, AuditedRouteGuard, ContentTypeGuard, AuthGuard],
      useFactory: (
        reflector: Reflector,
        audited: AuditedRouteGuard,
        contentType: ContentTypeGuard,
        auth: AuthGuard,
      ) => new RoutePipelineGuard(reflector, [audited, contentType, auth]),
    },
  ],
})
export class AppModule {}
