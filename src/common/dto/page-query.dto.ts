import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** `page` (from 1) and `per_page` (1–100, default 15), as every paged admin route takes them. */
export class PageQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    default: 1,
    description:
      'A page must start within the first `LIST_COUNT_LIMIT` matches (10,000 by default): ' +
      '(page − 1) × per_page below it, else 400 `validation_failed`. Narrow the filters to go further.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 15 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  per_page: number = 15;
}

/** What every paged answer says about the page besides its items. */
export class PageInfoDto {
  @ApiProperty({
    example: 42,
    description:
      'Matches, counted exactly up to `LIST_COUNT_LIMIT` (10,000 by default); ' +
      'beyond, the limit itself with `total_count_exact: false`',
  })
  total_count: number;

  @ApiProperty({
    example: true,
    description:
      'false when there are more matches than `total_count` (the count stopped at the limit)',
  })
  total_count_exact: boolean;

  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 15 })
  per_page: number;
}

/** A paged answer whose count is always exact (small tables: the mail outbox, a webhook's log). */
export class ExactPageDto {
  @ApiProperty({ example: 42 })
  total_count: number;

  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 15 })
  per_page: number;
}
