import { EmailField } from './fields';

export class EmailDto {
  @EmailField()
  email: string;
}
