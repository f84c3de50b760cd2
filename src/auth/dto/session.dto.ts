import { ApiProperty } from '@nestjs/swagger';
import type { Session } from '../../sessions/session.entity';
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

  static from(s: Session, currentId: string): SessionDto {
    return {
      id: s.id,
      created_at: s.createdAt.toISOString(),
      expires_at: s.expiresAt.toISOString(),
      last_seen_at: s.lastSeenAt.toISOString(),
      ip: s.ip,
      user_agent: s.userAgent,
      current: s.id === currentId,
    };
  }
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
}

/** What GET /validate_token answers: the user and the session the token belongs to. */
export class TokenInfoDto extends UserResponseDto {
  @ApiProperty({ type: TokenSessionDto })
  session: TokenSessionDto;
}
