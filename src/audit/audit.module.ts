import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditHistoryService } from './audit-history.service';
import { AuditRecord } from './audit-record.entity';
import { AuditRetentionService } from './audit-retention.service';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/**
 * Global: every module records auth events and admin actions through AuditService, and every
 * `@Audit()` route through the AuditInterceptor (which that decorator attaches). Also serves the
 * history (/users/actions) and runs the retention purge.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditRecord])],
  controllers: [AuditController],
  providers: [
    AuditService,
    AuditRepository,
    AuditHistoryService,
    AuditRetentionService,
    AuditInterceptor,
  ],
  exports: [AuditService, AuditHistoryService, AuditInterceptor],
})
export class AuditModule {}
