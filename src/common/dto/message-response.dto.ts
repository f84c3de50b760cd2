import { ApiProperty } from '@nestjs/swagger';

/** The `{message}` answer of the routes that start something by mail and say no more. */
export class MessageResponseDto {
  @ApiProperty({ example: 'If the address can receive mail, a message is on its way.' })
  message: string;
}
