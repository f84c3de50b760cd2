import { ApiProperty } from '@nestjs/swagger';
import { UserResponseDto } from '../../users/dto/user-response.dto';

export class TokenSessionDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'date-time' })
  expires_at: string;

  @ApiProperty({
    enum: [1, 2],
    description: 'Authenticator assurance level: 2 after a second factor',
  })
  aal: 1 | 2;
}

/** What GET /validate_token answers: the user and the session the token belongs to. */
export class TokenInfoDto extends UserResponseDto {
  @ApiProperty({ description: 'The user has a second factor (TOTP)' })
  mfa_enabled: boolean;

  @ApiProperty({ description: 'How many passkeys the user has' })
  passkeys: number;

  @ApiProperty({ type: TokenSessionDto })
  session: TokenSessionDto;
}
