import { EmailField } from '../../common/fields';

export class EmailDto {
  @EmailField()
  email: string;
}
