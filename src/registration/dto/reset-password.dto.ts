import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { Transform } from 'class-transformer';
import { CODE_SHAPE, normalizeEmail, PasswordField, TOKEN_SHAPE } from '../../common/fields';
import { MayOmit } from '../../common/decorators/may-omit.decorator';

/** Either `email` + `code`, or `token` (from the link); checked by the service. */
export class ResetPasswordDto {
  @ApiPropertyOptional({ example: 'ada@example.com', description: 'With `code`' })
  @MayOmit()
  @Transform(normalizeEmail)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: '012345', description: 'With `email`: the 6-digit code' })
  @MayOmit()
  @IsString()
  @Matches(CODE_SHAPE, { message: 'code must be 6 digits' })
  code?: string;

  @ApiPropertyOptional({ description: 'Instead of email + code: the token of the link' })
  @MayOmit()
  @IsString()
  @Matches(TOKEN_SHAPE, { message: 'token is malformed' })
  token?: string;

  @PasswordField({ description: 'The new password' })
  new_password: string;
}
