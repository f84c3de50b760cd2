import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuditContext } from '../audit/audit-context';
import { Audit, AuditCtx } from '../audit/audit.decorator';
import { NEEDS_SESSION, type AuthUser } from '../common/auth-user';
import { AdminOnly } from '../common/decorators/admin-only.decorator';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { SessionStart } from '../common/decorators/session-start.decorator';
import { CommonErrors } from '../common/errors';
import { LoginThrottleErrors } from '../login-throttle/login-throttle.errors';
import { OwnerProofErrors } from '../owner-proof/owner-proof.errors';
import { PasswordsErrors } from '../passwords/passwords.errors';
import { UsersErrors } from '../users/users.errors';
import {
  AddPasskeyDto,
  PasskeyDto,
  PasskeyListDto,
  PasskeyProofDto,
  RegistrationOptionsDto,
  RenamePasskeyDto,
} from './dto/passkey.dto';
import { PasskeysErrors } from './passkeys.errors';
import { PasskeysService } from './passkeys.service';

const OWNER_PROOF =
  ' Proven by the current password (`password`); an account without one needs a session younger ' +
  'than 10 minutes instead (else 403 reauthentication_required).';

/** A wrong or missing owner proof. */
const WRONG_PROOF = [
  PasswordsErrors.invalid_current_password,
  PasswordsErrors.password_required,
  OwnerProofErrors.reauthentication_required,
  CommonErrors.validation_failed,
  LoginThrottleErrors.login_locked,
  LoginThrottleErrors.login_busy,
];

/** The signed-in user's passkeys. */
@ApiTags('passkeys')
@ApiBearerAuth()
@Controller('me/passkeys')
export class PasskeysController {
  constructor(private readonly passkeys: PasskeysService) {}

  @Post('options')
  @HttpCode(200)
  @Audit('passkey_options')
  @ApiOperation({
    summary: 'Start adding a passkey: creation options for navigator.credentials.create()',
    description:
      `${NEEDS_SESSION} The challenge is single use, lives 5 minutes and is bound to this ` +
      'session. `user.id` is a random handle of the account (never its id or address); ' +
      '`excludeCredentials` lists its passkeys.' +
      OWNER_PROOF,
  })
  @ApiOkResponse({ type: RegistrationOptionsDto })
  @ApiErrors(...WRONG_PROOF)
  options(
    @CurrentUser() user: AuthUser,
    @Body() dto: PasskeyProofDto,
    @SessionStart() session: { createdAt: Date },
    @AuditCtx() audit: AuditContext,
  ): Promise<RegistrationOptionsDto> {
    return this.passkeys.registrationOptions(user, { password: dto.password }, session, audit);
  }

  @Post()
  @HttpCode(201)
  @Audit('passkey_add')
  @ApiOperation({
    summary: 'Add a passkey: the authenticator’s answer to the options',
    description:
      `${NEEDS_SESSION} \`response\` is the RegistrationResponseJSON. 400 invalid_passkey for a ` +
      'bad attestation, a wrong origin or RP ID, or a spent, expired or foreign challenge. Mails ' +
      'a notice.',
  })
  @ApiCreatedResponse({ type: PasskeyDto })
  @ApiErrors(
    CommonErrors.validation_failed,
    PasskeysErrors.invalid_passkey,
    PasskeysErrors.passkey_exists,
  )
  add(
    @CurrentUser() user: AuthUser,
    @Body() dto: AddPasskeyDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<PasskeyDto> {
    return this.passkeys.add(user, dto, audit);
  }

  @Get()
  @ApiOperation({ summary: 'The caller’s passkeys', description: NEEDS_SESSION })
  @ApiOkResponse({ type: PasskeyListDto })
  list(@CurrentUser() user: AuthUser): Promise<PasskeyListDto> {
    return this.passkeys.list(user.id);
  }

  @Patch(':id')
  @Audit('passkey_rename')
  @ApiOperation({ summary: 'Rename one of the caller’s passkeys', description: NEEDS_SESSION })
  @ApiOkResponse({ type: PasskeyDto })
  @ApiErrors(CommonErrors.validation_failed, PasskeysErrors.passkey_not_found)
  rename(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Body() dto: RenamePasskeyDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<PasskeyDto> {
    return this.passkeys.rename(user, id, dto.name, audit);
  }

  @Delete(':id')
  @HttpCode(204)
  @Audit('passkey_remove')
  @ApiOperation({
    summary: 'Remove one of the caller’s passkeys',
    description: `${NEEDS_SESSION} Mails a notice.` + OWNER_PROOF,
  })
  @ApiNoContentResponse()
  @ApiErrors(...WRONG_PROOF, PasskeysErrors.passkey_not_found)
  remove(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Body() dto: PasskeyProofDto,
    @SessionStart() session: { createdAt: Date },
    @AuditCtx() audit: AuditContext,
  ): Promise<void> {
    return this.passkeys.remove(user, id, { password: dto.password }, session, audit);
  }
}

/** An admin looks at and removes a user's passkeys (e.g. a lost phone). */
@ApiTags('admin')
@AdminOnly()
@Controller('users')
export class PasskeysAdminController {
  constructor(private readonly passkeys: PasskeysService) {}

  @Get(':id/passkeys')
  @ApiOperation({
    summary: 'A user’s passkeys',
    description: 'Names, dates and flags; never a key or a credential id.',
  })
  @ApiOkResponse({ type: PasskeyListDto })
  @ApiErrors(UsersErrors.user_not_found)
  list(@Param('id') id: string): Promise<PasskeyListDto> {
    return this.passkeys.listOf(id);
  }

  @Delete(':id/passkeys/:passkey_id')
  @HttpCode(204)
  @Audit('passkey_remove')
  @ApiOperation({
    summary: 'Remove a user’s passkey',
    description: 'Only a root may do this to an admin or a root. Mails the user a notice.',
  })
  @ApiNoContentResponse()
  @ApiErrors(
    UsersErrors.insufficient_role,
    UsersErrors.user_not_found,
    PasskeysErrors.passkey_not_found,
  )
  remove(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @Param('passkey_id') passkeyId: string,
    @AuditCtx() audit: AuditContext,
  ): Promise<void> {
    return this.passkeys.adminRemove(actor, id, passkeyId, audit);
  }
}
