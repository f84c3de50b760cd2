import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, MaxLength, Matches } from 'class-validator';
import type { Role } from '../../common/auth-user';

/** Trims, and refuses CR/LF/NUL (header and log injection). */
export const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;
const NO_CONTROL = /^[^\r\n\0]*$/;

export class AddUserDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(trimmed)
  @IsEmail()
  @MaxLength(254)
  @Matches(NO_CONTROL)
  email: string;

  @ApiPropertyOptional({ example: 'Ada', maxLength: 100 })
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL)
  name?: string;

  @ApiPropertyOptional({ example: 'Lovelace', maxLength: 100 })
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL)
  surname?: string;

  @ApiPropertyOptional({ enum: ['root', 'admin', 'user'], default: 'user' })
  @IsOptional()
  @IsIn(['root', 'admin', 'user'])
  role?: Role;

  @ApiPropertyOptional({
    description: 'Without one, the confirmation mail lets the user choose it',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  password?: string;

  @ApiPropertyOptional({ description: 'The password again; must match' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  password1?: string;
}
