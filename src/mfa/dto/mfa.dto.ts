import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { MayOmit } from '../../common/decorators/may-omit.decorator';
import { CODE_SHAPE, PasswordField } from '../../common/fields';

/**
 * What proves the account's owner before a change of the factor: the current password, or for an
 * account without one the code of POST /mfa/email-code (one of the two).
 */
export class EnrolDto {
  @PasswordField({ optional: true, description: 'The current password' })
  password?: string;

  @ApiPropertyOptional({
    example: '012345',
    description:
      'For an account without a password, instead of it: the code of POST /mfa/email-code',
  })
  @MayOmit()
  @IsString()
  @Matches(CODE_SHAPE, { message: 'email_code must be 6 digits' })
  email_code?: string;
}

export class ConfirmTotpDto {
  @ApiProperty({ example: '123456', description: 'A code from the authenticator app' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code: string;
}

/** Password and a second-factor code: what turning the factor off or new recovery codes need. */
export class PasswordAndCodeDto extends EnrolDto {
  @ApiProperty({
    example: '123456',
    maxLength: 64,
    description: 'A code from the authenticator app, or a recovery code',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  code: string;
}

export class EnrolmentDto {
  @ApiProperty({ description: 'Base32 secret (160 bits), for typing into an app by hand' })
  secret: string;

  @ApiProperty({
    example: 'otpauth://totp/Email%20Auth:ada%40example.com?issuer=Email%20Auth&secret=...',
    description: 'Show it as a QR code for the authenticator app to scan',
  })
  otpauth_url: string;
}

export class RecoveryCodesDto {
  @ApiProperty({
    type: [String],
    example: ['7k3m-9qx2-a4bd-ez8w'],
    description: 'Ten single-use codes, shown this once',
  })
  recovery_codes: string[];
}

export class MfaStateDto {
  @ApiProperty({
    description: 'The user has a confirmed TOTP factor (a pending enrolment is not one)',
  })
  mfa_enabled: boolean;
}
