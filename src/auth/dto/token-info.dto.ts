import { ApiProperty } from '@nestjs/swagger';
import { UserResponseDto } from '../../users/dto/user-response.dto';

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
