import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessDenialRecorder } from '../common/filters/access-denial-recorder';
import { CryptoModule } from '../crypto/crypto.module';
import { AuditChain } from './audit-chain';
import { AuditChainMonitor } from './audit-chain-monitor';
import { AuditDenialRecorder } from './audit-denial.recorder';
import { AuditHistoryService } from './audit-history.service';
import { AuditRecord } from './audit-record.entity';
import { AuditRetentionService } from './audit-retention.service';
import { AuditController } from './audit.controller';
import { AuditedRouteGuard } from './audited-route.guard';
import { AuditInterceptor } from './audit.interceptor';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/**
 * Global: every module records auth events and admin actions through AuditService, and every
 * `@Audit()` route through the AuditInterceptor (which that decorator attaches). Also serves the
 * history (/users/actions), runs the retention purge and the chain's own check, and records denials
 * for the exception filter.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditRecord]), CryptoModule],
  controllers: [AuditController],
  providers: [
    AuditService,
    AuditRepository,
    AuditChain,
    AuditChainMonitor,
    AuditHistoryService,
    AuditRetentionService,
    AuditInterceptor,
    { provide: AccessDenialRecorder, useClass: AuditDenialRecorder },
    AuditedRouteGuard,
  ],
  exports: [
    AuditChain,
    AuditChainMonitor,
    AuditService,
    AuditHistoryService,
    AuditInterceptor,
    AccessDenialRecorder,
    AuditedRouteGuard,
  ],
})
export class AuditModule {}
