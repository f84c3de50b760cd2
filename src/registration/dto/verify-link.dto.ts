import { LinkTokenField, PasswordField } from '../../common/fields';

export class VerifyLinkDto {
  @LinkTokenField()
  token: string;

  @PasswordField({
    optional: true,
    description:
      'Only for an account an admin created without a password (its mail says so): the password to set',
  })
  password?: string;
}
