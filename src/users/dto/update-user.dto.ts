import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Role } from '../../common/auth-user';
import { trimmed } from './add-user.dto';

const NO_CONTROL = /^[^\r\n\0]*$/;

/** Only these fields: a password, `is_active`, `id` or a timestamp is refused as unknown (400). */
export class UpdateUserDto {
  @ApiPropertyOptional({
    example: 'ada@example.com',
    description: 'A new email is unconfirmed until confirmed again',
  })
  @IsOptional()
  @Transform(trimmed)
  @IsEmail()
  @MaxLength(254)
  @Matches(NO_CONTROL)
  email?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL)
  surname?: string;

  @ApiPropertyOptional({ enum: ['root', 'admin', 'user'] })
  @IsOptional()
  @IsIn(['root', 'admin', 'user'])
  role?: Role;
}
