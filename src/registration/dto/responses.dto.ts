import { ApiProperty } from '@nestjs/swagger';
import type { MessageResponseDto } from '../../common/dto/message-response.dto';

/**
 * The one answer of register, resend and forgot-password, for known and unknown addresses alike:
 * it must not tell which addresses have accounts.
 */
export const MAIL_ON_ITS_WAY: MessageResponseDto = {
  message: 'If the address can receive mail, a message with a code and a link is on its way.',
};

export class VerifyResultDto {
  @ApiProperty({ example: 'ada@example.com' })
  email: string;

  @ApiProperty()
  is_confirmed: boolean;

  @ApiProperty()
  is_active: boolean;
}
