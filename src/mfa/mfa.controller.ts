import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuditContext } from '../audit/audit-context';
import type { AuthUser } from '../common/auth-user';
import { AdminOnly } from '../common/decorators/admin-only.decorator';
import { Audit, AuditCtx } from '../audit/audit.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import {
  ConfirmTotpDto,
  EnrolDto,
  EnrolmentDto,
  MfaStateDto,
  PasswordAndCodeDto,
  RecoveryCodesDto,
} from './dto/mfa.dto';
import { MessageResponseDto } from '../common/dto/message-response.dto';
import { MfaService } from './mfa.service';
import type { OwnerProofGiven } from '../owner-proof/owner-proof.service';
import { CommonErrors } from '../common/errors';
import { MfaErrors } from './mfa.errors';
import { OwnerProofErrors, wrongProof } from '../owner-proof/owner-proof.errors';
import { OtpErrors } from '../otp/otp.errors';
import { PasswordsErrors } from '../passwords/passwords.errors';
import { UsersErrors } from '../users/users.errors';
import { ApiErrors } from '../common/decorators/api-errors.decorator';

const proofOf = (dto: EnrolDto): OwnerProofGiven => ({
  password: dto.password,
  code: dto.email_code,
});

const OWNER_PROOF =
  ' Proven by the current password, or for an account without one by `email_code`, the code of ' +
  'POST /mfa/email-code.';

/** A wrong or missing owner proof (the password, or `email_code`), for every route that takes one. */
const WRONG_PROOF = wrongProof(OwnerProofErrors.email_code_required);

/** The signed-in user's second factor. */
@ApiTags('mfa')
@ApiBearerAuth()
@Controller('mfa')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Post('email-code')
  @HttpCode(202)
  @Audit('mfa_email_code')
  @ApiOperation({
    summary: 'Mail the code that stands in for the password, for an account without one',
    description:
      'For the `email_code` of POST /mfa/totp, DELETE /mfa/totp and POST /mfa/recovery-codes. ' +
      'One mail per RESEND_COOLDOWN (10 an hour); the code lives OTP_TTL.',
  })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiErrors(PasswordsErrors.password_required, OtpErrors.mail_cooldown)
  sendEmailCode(
    @CurrentUser() user: AuthUser,
    @AuditCtx() audit: AuditContext,
  ): Promise<MessageResponseDto> {
    return this.mfa.sendEmailCode(user, audit);
  }

  @Post('totp')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start TOTP enrolment: a secret and its otpauth:// URI',
    description:
      'Pending until confirmed; a new call replaces a pending secret. The secret is never shown ' +
      'again.' +
      OWNER_PROOF,
  })
  @ApiOkResponse({ type: EnrolmentDto })
  @ApiErrors(...WRONG_PROOF, MfaErrors.mfa_already_enabled)
  enrol(
    @CurrentUser() user: AuthUser,
    @Body() dto: EnrolDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<EnrolmentDto> {
    return this.mfa.enrol(user, proofOf(dto), audit);
  }

  @Post('totp/confirm')
  @HttpCode(200)
  @Audit('mfa_enable')
  @ApiOperation({
    summary: 'Turn TOTP on with a first code; answers ten recovery codes, once',
    description: 'The calling session becomes aal 2. Mails a notice.',
  })
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiErrors(
    MfaErrors.wrong_mfa_code,
    CommonErrors.validation_failed,
    MfaErrors.mfa_already_enabled,
    MfaErrors.mfa_not_pending,
  )
  confirm(
    @CurrentUser() user: AuthUser,
    @Body() dto: ConfirmTotpDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<RecoveryCodesDto> {
    return this.mfa.confirm(user, dto.code, audit);
  }

  @Delete('totp')
  @HttpCode(204)
  @Audit('mfa_disable')
  @ApiOperation({
    summary: 'Turn TOTP off (password and a code); ends the other sessions',
    description: 'The code is a TOTP code or a recovery code. Mails a notice.' + OWNER_PROOF,
  })
  @ApiNoContentResponse()
  @ApiErrors(...WRONG_PROOF, MfaErrors.wrong_mfa_code, MfaErrors.mfa_not_enabled)
  disable(
    @CurrentUser() user: AuthUser,
    @Body() dto: PasswordAndCodeDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<void> {
    return this.mfa.disable(user, proofOf(dto), dto.code, audit);
  }

  @Post('recovery-codes')
  @HttpCode(200)
  @Audit('mfa_recovery_codes')
  @ApiOperation({
    summary: 'Ten new recovery codes (password and a code); the old ones stop working',
    description: 'The code is a TOTP code or a recovery code. Mails a notice.' + OWNER_PROOF,
  })
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiErrors(...WRONG_PROOF, MfaErrors.wrong_mfa_code, MfaErrors.mfa_not_enabled)
  regenerate(
    @CurrentUser() user: AuthUser,
    @Body() dto: PasswordAndCodeDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<RecoveryCodesDto> {
    return this.mfa.regenerateRecoveryCodes(user, proofOf(dto), dto.code, audit);
  }
}

/** An admin removes a user's second factor (e.g. a lost phone and lost recovery codes). */
@ApiTags('admin')
@AdminOnly()
@Controller('users')
export class MfaAdminController {
  constructor(private readonly mfa: MfaService) {}

  @Get(':id/mfa')
  @ApiOperation({
    summary: 'Whether a user has a second factor on',
    description: 'For the admin console, which offers the reset only for a user with a factor.',
  })
  @ApiOkResponse({ type: MfaStateDto })
  @ApiErrors(UsersErrors.user_not_found)
  state(@Param('id') id: string): Promise<MfaStateDto> {
    return this.mfa.stateOf(id);
  }

  @Delete(':id/mfa')
  @HttpCode(204)
  @Audit('mfa_reset')
  @ApiOperation({
    summary: "Remove a user's second factor; ends all the user's sessions",
    description: 'Only a root may reset an admin or a root. Mails the user a notice.',
  })
  @ApiNoContentResponse()
  @ApiErrors(UsersErrors.insufficient_role, UsersErrors.user_not_found, MfaErrors.mfa_not_enabled)
  reset(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @AuditCtx() audit: AuditContext,
  ): Promise<void> {
    return this.mfa.reset(actor, id, audit);
  }
}
