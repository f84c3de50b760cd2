import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { FreeText } from '../../common/hostile-input';

export class ChangePasswordDto {
  @ApiProperty({ maxLength: 4096 })
  @FreeText()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  current_password: string;

  @ApiProperty({
    description: 'At least PASSWORD_MIN_LENGTH (15) characters; common passwords are refused',
    maxLength: 4096,
  })
  @FreeText()
  @IsString()
  @MaxLength(4096)
  new_password: string;
}
