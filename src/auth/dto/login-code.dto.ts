import { CodeField, EmailField } from '../../common/fields';

export class LoginCodeRequestDto {
  @EmailField()
  email: string;
}

export class LoginCodeVerifyDto {
  @EmailField()
  email: string;

  @CodeField()
  code: string;
}
