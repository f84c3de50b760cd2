import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { MayOmit } from '../../common/decorators/may-omit.decorator';

/** Base64url without padding, as WebAuthn's JSON forms carry binary values. */
const B64URL = /^[A-Za-z0-9_-]*$/;
const b64url = (max: number) => [
  IsString(),
  MaxLength(max),
  Matches(B64URL, { message: '$property must be base64url' }),
];

function Base64Url(max: number): PropertyDecorator {
  return (target, key) => {
    for (const d of b64url(max)) d(target, key);
  };
}

export const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'];

class WebAuthnCredentialJsonDto {
  @ApiProperty({ description: 'The credential id (base64url)', maxLength: 1400 })
  @Base64Url(1400)
  id: string;

  @ApiProperty({ description: 'The same id (base64url)', maxLength: 1400 })
  @Base64Url(1400)
  rawId: string;

  @ApiPropertyOptional({ enum: ['platform', 'cross-platform'] })
  @MayOmit()
  @IsIn(['platform', 'cross-platform'])
  authenticatorAttachment?: 'platform' | 'cross-platform';

  @ApiProperty({ type: 'object', additionalProperties: true })
  @IsObject()
  clientExtensionResults: Record<string, unknown>;

  @ApiProperty({ enum: ['public-key'] })
  @IsIn(['public-key'])
  type: 'public-key';
}

export class AttestationResponseJsonDto {
  @ApiProperty({ maxLength: 4096 })
  @Base64Url(4096)
  clientDataJSON: string;

  @ApiProperty({ maxLength: 16384 })
  @Base64Url(16384)
  attestationObject: string;

  @ApiPropertyOptional({ maxLength: 16384 })
  @MayOmit()
  @Base64Url(16384)
  authenticatorData?: string;

  @ApiPropertyOptional({ type: [String], enum: TRANSPORTS })
  @MayOmit()
  @ArrayMaxSize(TRANSPORTS.length)
  @IsIn(TRANSPORTS, { each: true })
  transports?: string[];

  @ApiPropertyOptional()
  @MayOmit()
  @IsInt()
  publicKeyAlgorithm?: number;

  @ApiPropertyOptional({ maxLength: 4096 })
  @MayOmit()
  @Base64Url(4096)
  publicKey?: string;
}

/** `RegistrationResponseJSON`: what `navigator.credentials.create()` answered, as JSON. */
export class RegistrationResponseJsonDto extends WebAuthnCredentialJsonDto {
  @ApiProperty({ type: AttestationResponseJsonDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AttestationResponseJsonDto)
  response: AttestationResponseJsonDto;
}

export class AssertionResponseJsonDto {
  @ApiProperty({ maxLength: 4096 })
  @Base64Url(4096)
  clientDataJSON: string;

  @ApiProperty({ maxLength: 4096 })
  @Base64Url(4096)
  authenticatorData: string;

  // Room for post-quantum signatures: where the runtime's WebCrypto has ML-DSA (Node 26, not 22),
  // @simplewebauthn offers ML-DSA-44 first, and an ML-DSA-87 signature is 4,627 bytes.
  @ApiProperty({ maxLength: 8192 })
  @Base64Url(8192)
  signature: string;

  @ApiPropertyOptional({ maxLength: 128 })
  @MayOmit()
  @Base64Url(128)
  userHandle?: string;
}

/** `AuthenticationResponseJSON`: what `navigator.credentials.get()` answered, as JSON. */
export class AuthenticationResponseJsonDto extends WebAuthnCredentialJsonDto {
  @ApiProperty({ type: AssertionResponseJsonDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AssertionResponseJsonDto)
  response: AssertionResponseJsonDto;
}
