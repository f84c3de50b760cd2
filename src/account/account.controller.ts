import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Post,
  Put,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { SessionCookie } from '../auth/session-cookie';
import type { AuditContext } from '../audit/audit-context';
import { Audit, AuditCtx } from '../audit/audit.decorator';
import { NEEDS_SESSION, type AuthUser } from '../common/auth-user';
import { AcceptLanguage } from '../common/decorators/accept-language.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { IpRateLimit } from '../common/decorators/ip-rate-limit.decorator';
import { Public } from '../common/decorators/public.decorator';
import { ReqMeta } from '../common/decorators/request-meta.decorator';
import type { RequestMeta } from '../common/request-meta';
import { AccountPages, ApiLinkPage } from '../registration/account-pages';
import { MessageResponseDto } from '../common/dto/message-response.dto';
import { AccountDeletionService } from './account-deletion.service';
import { AccountService } from './account.service';
import { DeleteAccountDto } from './dto/delete-account.dto';
import { ChangeEmailDto, ConfirmEmailChangeDto, EmailChangeLinkDto } from './dto/email-change.dto';
import { AccountExportDto, MeDto, UpdateMeDto } from './dto/me.dto';
import { EmailChangeService } from './email-change.service';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { OwnerProofErrors, wrongProof } from '../owner-proof/owner-proof.errors';
import { CommonErrors } from '../common/errors';
import { OtpErrors } from '../otp/otp.errors';
import { PasswordsErrors } from '../passwords/passwords.errors';
import { UsersErrors } from '../users/users.errors';

/** A wrong or missing owner proof (the password, or the mailed code of an account without one). */
const WRONG_PROOF = wrongProof(OwnerProofErrors.code_required);

/** The signed-in user's own account (any confirmed user's bearer). */
@ApiTags('account')
@ApiBearerAuth()
@Controller('me')
export class AccountController {
  constructor(
    private readonly account: AccountService,
    private readonly emailChange: EmailChangeService,
    private readonly deletion: AccountDeletionService,
    private readonly cookie: SessionCookie,
    private readonly pages: AccountPages,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The caller: user, locale, whether a second factor is on',
    description: NEEDS_SESSION,
  })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: AuthUser): Promise<MeDto> {
    return this.account.me(user);
  }

  @Put()
  @Audit('profile_update')
  @ApiOperation({
    summary: 'Change name, surname or locale',
    description: 'Anything else (email, role, password, ...) is 400 as an unknown field.',
  })
  @ApiOkResponse({ type: MeDto })
  @ApiErrors(CommonErrors.validation_failed)
  update(
    @CurrentUser() user: AuthUser,
    @Body() dto: UpdateMeDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<MeDto> {
    return this.account.update(user, dto, audit);
  }

  @Post('email-code')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a code that confirms PUT /me/email, for an account without a password',
    description: `${NEEDS_SESSION} To the current address. One mail per RESEND_COOLDOWN (10 an hour); the code lives OTP_TTL. Audit email_change_code.`,
  })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiErrors(PasswordsErrors.password_required, OtpErrors.mail_cooldown)
  sendEmailChangeCode(
    @CurrentUser() user: AuthUser,
    @ReqMeta() meta: RequestMeta,
  ): Promise<MessageResponseDto> {
    return this.emailChange.sendCode(user, meta);
  }

  @Put('email')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask to change the sign-in address',
    description:
      'Mails a code and a link to the new address and a notice to the old one; the address ' +
      'changes only when the new one is confirmed (POST /me/email/confirm, or the link), within ' +
      'OTP_TTL. The same 202 when the new address belongs to another account (its owner gets a ' +
      'notice and nothing changes). Wrong passwords count toward the login throttle. An ' +
      'account without a password gives the code of POST /me/email-code instead.',
  })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiErrors(...WRONG_PROOF, OtpErrors.mail_cooldown)
  requestEmailChange(
    @CurrentUser() user: AuthUser,
    @Body() dto: ChangeEmailDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<MessageResponseDto> {
    return this.emailChange.request(user, dto, meta);
  }

  @Post('email/confirm')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Confirm the new address with the code mailed to it',
    description: `${NEEDS_SESSION} The code of the pending change (PUT /me/email); five tries, and 20 wrong codes lock the new address for an hour (429). Audit email_change.`,
  })
  @ApiOkResponse({ type: MeDto })
  @ApiErrors(OtpErrors.invalid_code, CommonErrors.validation_failed, OtpErrors.too_many_attempts)
  confirmEmailChange(
    @CurrentUser() user: AuthUser,
    @Body() dto: ConfirmEmailChangeDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<MeDto> {
    return this.emailChange.confirmByCode(user, dto.code, meta);
  }

  @Public()
  @Get('email/verify')
  @ApiLinkPage(
    'The page the link of an email change opens: a confirm button',
    'POST /me/email/verify',
  )
  async emailChangePage(
    @Query('token') token: string | undefined,
    @AcceptLanguage() lang: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const email = await this.emailChange.linkTarget(String(token ?? ''));
    const state = email ? { valid: true as const, email } : { valid: false as const };
    return this.pages.forLink<{ valid: true; email: string }>(res, lang, state, (live) =>
      this.pages.confirmEmail(lang, String(token), live.email, false),
    );
  }

  @Public()
  @IpRateLimit()
  @Post('email/verify')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Confirm the new address with the token of the link',
    description:
      'No session needed (the link may be opened anywhere). JSON, or HTML for the page’s form.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: EmailChangeLinkDto })
  @ApiOkResponse({ type: MeDto })
  @ApiErrors(OtpErrors.invalid_link, CommonErrors.validation_failed)
  verifyEmailChange(
    @Body() dto: EmailChangeLinkDto,
    @Req() req: Request,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MeDto | string> {
    return this.pages.respond(
      req,
      res,
      () => this.emailChange.confirmByLink(dto.token, meta),
      (me, lang) => this.pages.done(lang, 'confirm', { email: me.email }),
    );
  }

  @Post('delete-code')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a code that confirms DELETE /me, for an account without a password',
    description: `${NEEDS_SESSION} One mail per RESEND_COOLDOWN (10 an hour); the code lives OTP_TTL. Audit account_delete_code.`,
  })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiErrors(PasswordsErrors.password_required, OtpErrors.mail_cooldown)
  sendDeleteCode(
    @CurrentUser() user: AuthUser,
    @ReqMeta() meta: RequestMeta,
  ): Promise<MessageResponseDto> {
    return this.deletion.sendCode(user, meta);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete the account',
    description:
      'With the password, or for an account without one the code of POST /me/delete-code. Ends ' +
      'every session at once and frees the address; audit records keep the id, with the address ' +
      'replaced by deleted-user-<id>.',
  })
  @ApiNoContentResponse()
  @ApiErrors(...WRONG_PROOF, UsersErrors.last_root, OtpErrors.too_many_attempts)
  async delete(
    @CurrentUser() user: AuthUser,
    @Body() dto: DeleteAccountDto,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.deletion.delete(user, dto, meta);
    this.cookie.clear(res);
  }

  @Get('export')
  @Audit('account_export')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Download everything held about the caller (JSON attachment)',
    description: 'Profile, live sessions and own audit records; no hash, code or token.',
  })
  @ApiProduces('application/json')
  @ApiOkResponse({ type: AccountExportDto })
  async export(
    @CurrentUser() user: AuthUser,
    @AuditCtx() audit: AuditContext,
  ): Promise<StreamableFile> {
    const data = await this.account.export(user, audit);
    return new StreamableFile(Buffer.from(JSON.stringify(data, null, 2)), {
      type: 'application/json; charset=utf-8',
      disposition: `attachment; filename="account-${user.id}.json"`,
    });
  }
}
