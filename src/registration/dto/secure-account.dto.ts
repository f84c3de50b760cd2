import { LinkTokenField } from './fields';

export class SecureAccountDto {
  @LinkTokenField()
  token: string;
}
