import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsDate,
  IsEmail,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxDate,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { FreeText } from '../../common/hostile-input';
import { normalizeEmail } from '../../common/fields';

export class ChangeStatusDto {
  @ApiPropertyOptional({ example: 12, description: 'The user, by id (or give `email`)' })
  @ValidateIf((o: ChangeStatusDto) => o.email === undefined || o.user_id !== undefined)
  @IsInt()
  @Min(1)
  // Beyond this, a number is no longer exact in JSON, and beyond bigint the audit record of the
  // refusal could not be written.
  @Max(Number.MAX_SAFE_INTEGER)
  user_id?: number;

  @ApiPropertyOptional({
    example: 'ada@example.com',
    description: 'The user, by email (or give `user_id`)',
  })
  @ValidateIf((o: ChangeStatusDto) => o.user_id === undefined || o.email !== undefined)
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiProperty({ description: 'false blocks the user (ends all sessions at once); true unblocks' })
  @IsBoolean()
  is_active: boolean;

  @ApiPropertyOptional({ maxLength: 500, example: 'Abuse report #123' })
  @IsOptional()
  @FreeText()
  @IsString()
  @MaxLength(500)
  @Matches(/^[^\0]*$/)
  reason?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'The block ends by itself at this time',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  // JavaScript dates reach the year 275760, PostgreSQL reads only four-digit years (a 500).
  @MaxDate(new Date('9999-12-31T23:59:59.999Z'), {
    message: 'blocked_until must be before the year 10000',
  })
  blocked_until?: Date;
}
