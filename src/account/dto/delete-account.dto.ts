import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { MayOmit } from '../../common/decorators/may-omit.decorator';

/** One of the two: the password, or (for an account without one) the code of POST /me/delete-code. */
export class DeleteAccountDto {
  @ApiPropertyOptional({ format: 'password', description: 'The current password' })
  @MayOmit()
  @IsString()
  @MaxLength(4096)
  password?: string;

  @ApiPropertyOptional({
    example: '012345',
    description: 'For an account without a password: the code of POST /me/delete-code',
  })
  @MayOmit()
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code?: string;
}
