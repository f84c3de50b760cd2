import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, MaxLength, Matches } from 'class-validator';
import { MayOmit } from '../../common/decorators/may-omit.decorator';
import { normalizeEmail } from '../../common/fields';
import type { Role } from '../../common/auth-user';

/** Trims, and refuses CR/LF/NUL (header and log injection). */
export const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;
const NO_CONTROL = /^[^\r\n\0]*$/;

export class AddUserDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  @Matches(NO_CONTROL)
  email: string;

  @ApiPropertyOptional({ example: 'Ada', maxLength: 100 })
  @MayOmit()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL)
  name?: string;

  @ApiPropertyOptional({ example: 'Lovelace', maxLength: 100 })
  @MayOmit()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL)
  surname?: string;

  @ApiPropertyOptional({ enum: ['root', 'admin', 'user'], default: 'user' })
  @MayOmit()
  @IsIn(['root', 'admin', 'user'])
  role?: Role;

  @ApiPropertyOptional({
    description: 'Without one, the confirmation mail lets the user choose it',
  })
  @MayOmit()
  @IsString()
  @MaxLength(4096)
  password?: string;

  @ApiPropertyOptional({ description: 'The password again; must match' })
  @MayOmit()
  @IsString()
  @MaxLength(4096)
  password1?: string;
}
