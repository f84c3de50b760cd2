import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/dto/page-query.dto';

/**
 * An ISO-8601 date, or date and time with `Z` or an offset (a bare local time would be ambiguous).
 * Years from 0001 and offsets up to ±14:00, as on Earth: PostgreSQL refuses year 0 and offsets
 * beyond ±15:59, which were a 500.
 */
const TIMESTAMP =
  /^(?!0000)\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00))?$/;
const TIMESTAMP_MESSAGE =
  '$property must be an ISO-8601 date (2024-05-01) or timestamp with Z or an offset (2024-05-01T12:00:00Z)';
const NAME = '[a-z][a-z0-9_]{0,63}';

/** The filters of the action history, shared by the list and the export. */
export class AuditFilterDto {
  @ApiPropertyOptional({
    description:
      'User ids, comma-separated (at most 100): records where one is the actor or the target',
    example: '12,15',
  })
  @IsOptional()
  @Matches(/^\d{1,18}(,\d{1,18}){0,99}$/, {
    message: 'users must be at most 100 comma-separated user ids',
  })
  users?: string;

  @ApiPropertyOptional({
    description: 'Action names, comma-separated (at most 50)',
    example: 'login,user_update',
  })
  @IsOptional()
  @Matches(new RegExp(`^${NAME}(,${NAME}){0,49}$`), {
    message: 'actions must be at most 50 comma-separated action names',
  })
  actions?: string;

  @ApiPropertyOptional({
    description: 'Records at or after this time (ISO-8601; a date alone means its start, UTC)',
    example: '2024-05-01T00:00:00Z',
  })
  @IsOptional()
  @Matches(TIMESTAMP, { message: TIMESTAMP_MESSAGE })
  @IsISO8601({ strict: true }, { message: TIMESTAMP_MESSAGE })
  from?: string;

  @ApiPropertyOptional({
    description: 'Records at or before this time (ISO-8601; a date alone means the whole day, UTC)',
    example: '2024-05-31T23:59:59Z',
  })
  @IsOptional()
  @Matches(TIMESTAMP, { message: TIMESTAMP_MESSAGE })
  @IsISO8601({ strict: true }, { message: TIMESTAMP_MESSAGE })
  to?: string;

  @ApiPropertyOptional({
    description: '`success` or an error code',
    example: 'invalid_credentials',
  })
  @IsOptional()
  @Matches(new RegExp(`^${NAME}$`), { message: 'outcome must be success or an error code' })
  outcome?: string;
}

export class AuditQueryDto extends IntersectionType(AuditFilterDto, PageQueryDto) {}

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export class AuditExportQueryDto extends AuditFilterDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'csv' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format: ExportFormat = 'csv';
}
