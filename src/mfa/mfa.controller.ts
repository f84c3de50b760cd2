import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import {
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
  PasswordAndCodeDto,
  RecoveryCodesDto,
} from './dto/mfa.dto';
import { MfaService } from './mfa.service';

const WRONG_INPUT = {
  type: ErrorResponseDto,
  description: 'invalid_current_password, invalid_mfa_code, validation_failed',
};

/** The signed-in user's second factor. */
@ApiTags('mfa')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid session', type: ErrorResponseDto })
@Controller('mfa')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Post('totp')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start TOTP enrolment: a secret and its otpauth:// URI',
    description:
      'Pending until confirmed; a new call replaces a pending secret. The secret is never shown again.',
  })
  @ApiOkResponse({ type: EnrolmentDto })
  @ApiBadRequestResponse({
    ...WRONG_INPUT,
    description: 'invalid_current_password, validation_failed',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'mfa_already_enabled' })
  @ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'too_many_attempts' })
  enrol(
    @CurrentUser() user: AuthUser,
    @Body() dto: EnrolDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<EnrolmentDto> {
    return this.mfa.enrol(user, dto.password, audit);
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
    description: 'The code is a TOTP code or a recovery code. Mails a notice.',
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
    return this.mfa.disable(user, dto.password, dto.code, audit);
  }

  @Post('recovery-codes')
  @HttpCode(200)
  @Audit('mfa_recovery_codes')
  @ApiOperation({
    summary: 'Ten new recovery codes (password and a code); the old ones stop working',
    description: 'The code is a TOTP code or a recovery code. Mails a notice.',
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
    return this.mfa.regenerateRecoveryCodes(user, dto.password, dto.code, audit);
  }
}

/** An admin removes a user's second factor (e.g. a lost phone and lost recovery codes). */
@ApiTags('admin')
@AdminOnly()
@Controller('users')
export class MfaAdminController {
  constructor(private readonly mfa: MfaService) {}

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
