import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { normalizeEmail } from '../../common/fields';

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'purple elephants dance quietly', maxLength: 4096 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  password: string;
}

export class LoginResponseDto {
  @ApiProperty({
    description: 'Opaque session token (256 bits). Send it as `Authorization: Bearer <token>`.',
  })
  token: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type: 'Bearer';

  @ApiProperty({ format: 'date-time', description: 'Absolute end of the session (SESSION_TTL)' })
  expires_at: string;

  @ApiProperty({ format: 'uuid' })
  session_id: string;
}
