import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { AuditContext } from '../audit/audit-context';
import type { AuthUser } from '../common/auth-user';
import { AdminOnly } from '../common/decorators/admin-only.decorator';
import { Audit, AuditCtx } from '../audit/audit.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import {
  ConfirmTotpDto,
  EnrolDto,
  EnrolmentDto,
  MfaStateDto,
  PasswordAndCodeDto,
  RecoveryCodesDto,
} from './dto/mfa.dto';
import { MessageResponseDto } from '../common/dto/message-response.dto';
import { MfaService, OwnerProof } from './mfa.service';

const proofOf = (dto: EnrolDto): OwnerProof => ({
  password: dto.password,
  emailCode: dto.email_code,
});

const OWNER_PROOF =
  ' Proven by the current password, or for an account without one by `email_code`, the code of ' +
  'POST /mfa/email-code.';

const WRONG_INPUT = {
  type: ErrorResponseDto,
  description:
    'invalid_current_password, invalid_code (email_code), invalid_mfa_code, password_required, ' +
    'code_required, validation_failed',
};

/** The signed-in user's second factor. */
@ApiTags('mfa')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid session', type: ErrorResponseDto })
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
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'password_required (the account has a password: use it)',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'too_many_requests (a mail was sent recently)',
  })
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
  @ApiBadRequestResponse({
    ...WRONG_INPUT,
    description:
      'invalid_current_password, invalid_code, password_required, code_required, validation_failed',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'mfa_already_enabled' })
  @ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'too_many_attempts' })
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
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'invalid_mfa_code, validation_failed',
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'mfa_already_enabled, mfa_not_pending',
  })
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
  @ApiBadRequestResponse(WRONG_INPUT)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'mfa_not_enabled' })
  @ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'too_many_attempts' })
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
  @ApiBadRequestResponse(WRONG_INPUT)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'mfa_not_enabled' })
  @ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'too_many_attempts' })
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
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'user_not_found' })
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
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'user_not_found' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'mfa_not_enabled' })
  reset(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @AuditCtx() audit: AuditContext,
  ): Promise<void> {
    return this.mfa.reset(actor, id, audit);
  }
}
