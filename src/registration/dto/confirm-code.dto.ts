import { CodeField, EmailField, PasswordField } from '../../common/fields';

export class ConfirmCodeDto {
  @EmailField()
  email: string;

  @CodeField()
  code: string;

  @PasswordField({
    optional: true,
    description:
      'Only for an account an admin created without a password (its mail says so): the password to set',
  })
  password?: string;
}
