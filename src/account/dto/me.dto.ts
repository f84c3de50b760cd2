import { ApiProperty, PartialType, PickType } from '@nestjs/swagger';
import { SessionDto } from '../../auth/dto/session.dto';
import { AuditRecordDto } from '../../audit/dto/audit-record.dto';
import { LocaleField } from '../../mail/locales';
import { AddUserDto } from '../../users/dto/add-user.dto';
import { UserResponseDto } from '../../users/dto/user-response.dto';
import type { User } from '../../users/user.entity';

/** The caller as GET /me shows them. */
export class MeDto extends UserResponseDto {
  @ApiProperty({ example: 'en' })
  locale: string;

  @ApiProperty({ description: 'Whether a second factor (TOTP) is enrolled' })
  mfa_enabled: boolean;

  static fromUser(u: User): MeDto {
    // No second factor exists before the MFA module (issue 13), which fills this in.
    return { ...UserResponseDto.from(u), locale: u.locale, mfa_enabled: false };
  }
}

/** Only these fields; anything else (email, role, ...) is 400 as unknown. */
export class UpdateMeDto extends PartialType(PickType(AddUserDto, ['name', 'surname'] as const), {
  skipNullProperties: false,
}) {
  @LocaleField()
  locale?: string;
}

/** GET /me/export: everything the server holds about the caller, without any secret. */
export class AccountExportDto {
  @ApiProperty({ format: 'date-time' })
  exported_at: string;

  @ApiProperty({ type: MeDto })
  profile: MeDto;

  @ApiProperty({ type: [SessionDto], description: 'The live sessions' })
  sessions: SessionDto[];

  @ApiProperty({
    type: [AuditRecordDto],
    description: 'Records where the caller is actor or target',
  })
  audit_records: AuditRecordDto[];
}
