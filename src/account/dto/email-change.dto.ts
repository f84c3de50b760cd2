import { CodeField, EmailField, LinkTokenField, PasswordField } from '../../common/fields';

export class ChangeEmailDto {
  @EmailField()
  email: string;

  @PasswordField({ description: 'The current password' })
  password: string;
}

export class ConfirmEmailChangeDto {
  @CodeField()
  code: string;
}

export class EmailChangeLinkDto {
  @LinkTokenField()
  token: string;
}
