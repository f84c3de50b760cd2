import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { FreeText } from '../../common/hostile-input';

const PASSWORD = { example: 'purple elephants dance quietly', maxLength: 4096 } as const;

export class EnrolDto {
  @ApiProperty({ ...PASSWORD, description: 'The current password' })
  @FreeText()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  password: string;
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
