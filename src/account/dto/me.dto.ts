import { IdentityDto } from '../../identities/dto/identities.dto';
import { PasskeyDto } from '../../passkeys/dto/passkey.dto';
import { ApiProperty, PartialType, PickType } from '@nestjs/swagger';
import { AuditRecordDto } from '../../audit/dto/audit-record.dto';
import { SessionDto } from '../../sessions/dto/session.dto';
import { AddUserDto } from '../../users/dto/add-user.dto';
import { UserResponseDto } from '../../users/dto/user-response.dto';
import type { UserAccount } from '../../users/user-account';

/** The caller as GET /me shows them. */
export class MeDto extends UserResponseDto {
  @ApiProperty({ description: 'Whether a second factor (TOTP) is enrolled' })
  mfa_enabled: boolean;

  @ApiProperty({ description: 'How many passkeys the user has' })
  passkeys: number;

  static fromUser(u: UserAccount, mfaEnabled = false, passkeys = 0): MeDto {
    return { ...UserResponseDto.from(u), mfa_enabled: mfaEnabled, passkeys };
  }
}

/**
 * Only these fields, with the rules of adding a user; anything else (email, role, password, ...)
 * is 400 as unknown. A field may be left out but not sent as null.
 */
export class UpdateMeDto extends PartialType(
  PickType(AddUserDto, ['name', 'surname', 'locale'] as const),
  { skipNullProperties: false },
) {}

/** GET /me/export: everything the server holds about the caller, without any secret. */
export class AccountExportDto {
  @ApiProperty({ format: 'date-time' })
  exported_at: string;

  @ApiProperty({ type: MeDto })
  profile: MeDto;

  @ApiProperty({ type: [SessionDto], description: 'The live sessions' })
  sessions: SessionDto[];

  @ApiProperty({ type: [PasskeyDto], description: 'The passkeys (names, dates, flags; no key)' })
  passkeys: PasskeyDto[];

  @ApiProperty({ type: [IdentityDto], description: 'The linked sign-in providers' })
  identities: IdentityDto[];

  @ApiProperty({
    type: [AuditRecordDto],
    description: 'Records where the caller is actor or target',
  })
  audit_records: AuditRecordDto[];
}
