import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { EmailField, PasswordField } from '../../common/fields';
import { MayOmit } from '../../common/decorators/may-omit.decorator';

export class RegisterDto {
  @EmailField()
  email: string;

  @PasswordField({ description: 'At least PASSWORD_MIN_LENGTH (15) characters; no other rules' })
  password: string;

  @ApiPropertyOptional({ example: 'Ada', maxLength: 100 })
  @MayOmit()
  @IsString()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ example: 'Lovelace', maxLength: 100 })
  @MayOmit()
  @IsString()
  @MaxLength(100)
  surname?: string;
}
