import { LinkTokenField } from '../../common/fields';

export class SecureAccountDto {
  @LinkTokenField()
  token: string;
}
