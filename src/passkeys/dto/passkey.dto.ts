import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsNotEmpty, IsObject, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { MayOmit } from '../../common/decorators/may-omit.decorator';
import { FreeText } from '../../common/hostile-input';
import {
  AuthenticationResponseJsonDto,
  RegistrationResponseJsonDto,
  TRANSPORTS,
} from './webauthn-response.dto';

/** A passkey as its owner and the admins see it; never its key or credential id. */
export class PasskeyDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ maxLength: 100 })
  name: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  last_used_at: string | null;

  @ApiProperty({ description: 'Synced to a cloud account (a multi-device passkey)' })
  backed_up: boolean;

  @ApiProperty({ type: [String], enum: TRANSPORTS })
  transports: string[];
}

export class PasskeyListDto {
  @ApiProperty({ type: [PasskeyDto] })
  passkeys: PasskeyDto[];
}

/** The owner proof of an enrolment or a removal. */
export class PasskeyProofDto {
  @ApiPropertyOptional({
    description:
      'The current password; an account without one instead needs a session younger than 10 minutes',
    maxLength: 4096,
  })
  @MayOmit()
  @FreeText()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  password?: string;
}

export class RegistrationOptionsDto {
  @ApiProperty({
    format: 'uuid',
    description: 'Send it back with the response (POST /me/passkeys)',
  })
  challenge_id: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'PublicKeyCredentialCreationOptionsJSON, for navigator.credentials.create()',
  })
  options: Record<string, unknown>;
}

export class AuthenticationOptionsDto {
  @ApiProperty({
    format: 'uuid',
    description: 'Send it back with the response (POST /login/passkey)',
  })
  challenge_id: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'PublicKeyCredentialRequestOptionsJSON, for navigator.credentials.get()',
  })
  options: Record<string, unknown>;
}

export class MfaPasskeyOptionsDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      "PublicKeyCredentialRequestOptionsJSON with the user's passkeys in allowCredentials; answer with POST /login/mfa {mfa_token, passkey}",
  })
  options: Record<string, unknown>;
}

export class AddPasskeyDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  challenge_id: string;

  @ApiProperty({ type: RegistrationResponseJsonDto })
  @IsObject()
  @ValidateNested()
  @Type(() => RegistrationResponseJsonDto)
  response: RegistrationResponseJsonDto;

  @ApiPropertyOptional({ maxLength: 100, example: 'Phone' })
  @MayOmit()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;
}

export class RenamePasskeyDto {
  @ApiProperty({ maxLength: 100, example: 'Laptop' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;
}

export class PasskeyLoginDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  challenge_id: string;

  @ApiProperty({ type: AuthenticationResponseJsonDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AuthenticationResponseJsonDto)
  response: AuthenticationResponseJsonDto;
}

export class MfaPasskeyOptionsRequestDto {
  @ApiProperty({ description: 'From the mfa_required answer of the first factor' })
  @IsString()
  @MaxLength(64)
  mfa_token: string;
}
