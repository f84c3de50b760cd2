import { ApiProperty } from '@nestjs/swagger';

export class MessageResponseDto {
  @ApiProperty({ example: 'If the address can receive mail, a message is on its way.' })
  message: string;
}

export class VerifyResultDto {
  @ApiProperty({ example: 'ada@example.com' })
  email: string;

  @ApiProperty()
  is_confirmed: boolean;

  @ApiProperty()
  is_active: boolean;
}
