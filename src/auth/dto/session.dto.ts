import { ApiProperty } from '@nestjs/swagger';
import { UserResponseDto } from '../../users/dto/user-response.dto';

export class SessionDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  expires_at: string;

  @ApiProperty({ format: 'date-time', description: 'Updated at most once a minute' })
  last_seen_at: string;

  @ApiProperty({ type: String, nullable: true })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true })
  user_agent: string | null;

  @ApiProperty({ description: 'The session of this request' })
  current: boolean;
}

export class SessionListDto {
  @ApiProperty({ type: [SessionDto] })
  sessions: SessionDto[];
}

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

  @ApiProperty({ type: TokenSessionDto })
  session: TokenSessionDto;
}
