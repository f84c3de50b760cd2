import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/decorators/admin-only.decorator';
import { AuditContext } from './audit-context';
import { Audit, AuditCtx } from './audit.decorator';
import { AuditHistoryService } from './audit-history.service';
import { AuditExportQueryDto, AuditQueryDto } from './dto/audit-query.dto';
import { AuditPageDto } from './dto/audit-record.dto';
import { CommonErrors } from '../common/errors';
import { ApiErrors } from '../common/decorators/api-errors.decorator';

/**
 * The action history under /users. Express matches routes in the order they were registered, and
 * Express 5 paths cannot restrict `:id` to digits, so `GET /users/:id` (users admin) would swallow
 * `/users/actions` if registered first: AppModule imports AuditModule before the module that
 * declares `/users/:id`, and the e2e tests request both paths.
 */
@ApiTags('admin')
@Controller('users')
@AdminOnly()
export class AuditController {
  constructor(private readonly history: AuditHistoryService) {}

  @Get('actions')
  @ApiOperation({
    summary: 'The action history, newest first, filtered and paged',
    description:
      'A record matches users when one of them is its actor or target; from and to are inclusive.',
  })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiErrors(CommonErrors.validation_failed)
  list(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    return this.history.list(query);
  }

  @Get('actions/export')
  @Audit('audit_export')
  @ApiOperation({
    summary: 'Every filtered record as a CSV or NDJSON file, streamed (no paging)',
    description:
      'The filters of GET /users/actions; format=csv or ndjson. Recorded as audit_export.',
  })
  @ApiProduces('text/csv', 'application/x-ndjson')
  @ApiOkResponse({ description: 'The file, newest record first' })
  export(
    @Query() query: AuditExportQueryDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<StreamableFile> {
    return this.history.export(query, audit);
  }
}
