import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { MayOmit } from '../../common/decorators/may-omit.decorator';
import {
  CODE_SHAPE,
  CodeField,
  EmailField,
  LinkTokenField,
  PasswordField,
} from '../../common/fields';

export class ChangeEmailDto {
  @EmailField()
  email: string;

  @PasswordField({ optional: true, description: 'The current password' })
  password?: string;

  @ApiPropertyOptional({
    example: '012345',
    description: 'For an account without a password: the code of POST /me/email-code',
  })
  @MayOmit()
  @IsString()
  @Matches(CODE_SHAPE, { message: 'code must be 6 digits' })
  code?: string;
}

export class ConfirmEmailChangeDto {
  @CodeField()
  code: string;
}

export class EmailChangeLinkDto {
  @LinkTokenField()
  token: string;
}
