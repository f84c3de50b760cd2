import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditRecord } from './audit-record.entity';
import { AuditService } from './audit.service';

/** Global: every module records auth events and admin actions through AuditService. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditRecord])],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
