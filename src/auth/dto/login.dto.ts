import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsEmail,
  IsNotEmpty,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import { AuthenticationResponseJsonDto } from '../../passkeys/dto/webauthn-response.dto';
import { MayOmit } from '../../common/decorators/may-omit.decorator';
import { FreeText } from '../../common/hostile-input';
import { normalizeEmail } from '../../common/fields';

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'purple elephants dance quietly', maxLength: 4096 })
  @FreeText()
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

export class MfaRequiredDto {
  @ApiProperty({ enum: [true] })
  mfa_required: true;

  @ApiProperty({
    description: 'Single use, 5 minutes, 256 bits: send it with a code to POST /login/mfa',
  })
  mfa_token: string;

  @ApiProperty({ type: [String], example: ['totp', 'recovery_code', 'passkey'] })
  methods: string[];

  @ApiProperty({ format: 'date-time' })
  expires_at: string;
}

export class LoginMfaDto {
  @ApiProperty({ description: 'From the mfa_required answer of the first factor' })
  @IsString()
  @MaxLength(64)
  mfa_token: string;

  @ApiPropertyOptional({ example: '123456', description: 'A code from the authenticator app' })
  @MayOmit()
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code?: string;

  @ApiPropertyOptional({ example: '7k3m-9qx2-a4bd-ez8w', description: 'Instead of `code`' })
  @MayOmit()
  @IsString()
  @MaxLength(64)
  recovery_code?: string;

  @ApiPropertyOptional({
    type: AuthenticationResponseJsonDto,
    description:
      'Instead of `code`: the AuthenticationResponseJSON to the options of POST /login/mfa/passkey/options',
  })
  @MayOmit()
  @IsObject()
  @ValidateNested()
  @Type(() => AuthenticationResponseJsonDto)
  passkey?: AuthenticationResponseJsonDto;
}
