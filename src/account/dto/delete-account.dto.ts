import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { MayOmit } from '../../common/decorators/may-omit.decorator';
import { CODE_SHAPE, PasswordField } from '../../common/fields';

/** One of the two: the password, or (for an account without one) the code of POST /me/delete-code. */
export class DeleteAccountDto {
  @PasswordField({ optional: true, description: 'The current password' })
  password?: string;

  @ApiPropertyOptional({
    example: '012345',
    description: 'For an account without a password: the code of POST /me/delete-code',
  })
  @MayOmit()
  @IsString()
  @Matches(CODE_SHAPE, { message: 'code must be 6 digits' })
  code?: string;
}
