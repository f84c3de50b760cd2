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
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { normalizeEmail } from '../../common/fields';

export class ChangeStatusDto {
  @ApiPropertyOptional({ example: 12, description: 'The user, by id (or give `email`)' })
  @ValidateIf((o: ChangeStatusDto) => o.email === undefined || o.user_id !== undefined)
  @IsInt()
  @Min(1)
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
  blocked_until?: Date;
}
