import { Body, Controller, Get, Header, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AcceptLanguage } from '../common/decorators/accept-language.decorator';
import { IpRateLimit } from '../common/decorators/ip-rate-limit.decorator';
import { ReqMeta } from '../common/decorators/request-meta.decorator';
import { Public } from '../common/decorators/public.decorator';
import type { RequestMeta } from '../common/request-meta';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { AccountPages, ApiLinkPage } from './account-pages';
import { ConfirmCodeDto } from './dto/confirm-code.dto';
import { EmailDto } from './dto/email.dto';
import { RegisterDto } from './dto/register.dto';
import { VerifyResultDto } from './dto/responses.dto';
import { MessageResponseDto } from '../common/dto/message-response.dto';
import { VerifyLinkDto } from './dto/verify-link.dto';
import { RegistrationService } from './registration.service';
import { CommonErrors } from '../common/errors';
import { OtpErrors } from '../otp/otp.errors';
import { PasswordsErrors } from '../passwords/passwords.errors';
import { RegistrationErrors } from './registration.errors';
import { ApiErrors } from '../common/decorators/api-errors.decorator';

@ApiTags('registration')
@Public()
@Controller()
export class RegistrationController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly pages: AccountPages,
  ) {}

  @Post('register')
  @IpRateLimit()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Sign up',
    description:
      'Creates an unconfirmed account and mails a code and a link. The same 202 whether or not ' +
      'the address has an account (it then gets a notice instead).',
  })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiErrors(
    CommonErrors.validation_failed,
    PasswordsErrors.weak_password,
    RegistrationErrors.signup_disabled,
  )
  @ApiErrors(OtpErrors.mail_cooldown)
  register(
    @Body() dto: RegisterDto,
    @ReqMeta() meta: RequestMeta,
    @AcceptLanguage() acceptLanguage?: string,
  ): Promise<MessageResponseDto> {
    return this.registration.register(dto, meta, acceptLanguage);
  }

  @Post('register/confirm')
  @IpRateLimit()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Confirm an address with the 6-digit code from the mail',
    description:
      'Codes are single use, 5 wrong tries each; 20 failures for an address lock it for an hour.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(
    OtpErrors.invalid_code,
    CommonErrors.validation_failed,
    RegistrationErrors.choose_password,
    OtpErrors.too_many_attempts,
  )
  confirm(@Body() dto: ConfirmCodeDto, @ReqMeta() meta: RequestMeta): Promise<UserResponseDto> {
    return this.registration.confirmByCode(dto, meta);
  }

  @Post('register/resend')
  @IpRateLimit()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a new code and link',
    description:
      'The same answer and cooldown whether or not the address has an unconfirmed account.',
  })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiErrors(CommonErrors.validation_failed)
  @ApiErrors(OtpErrors.mail_cooldown)
  resend(@Body() dto: EmailDto, @ReqMeta() meta: RequestMeta): Promise<MessageResponseDto> {
    return this.registration.resend(dto.email, meta);
  }

  @Get('users/verify')
  @ApiLinkPage('The page a confirmation link opens: a confirm button', 'POST /users/verify')
  async verifyPage(
    @Query('token') token: string | undefined,
    @AcceptLanguage() lang: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const state = await this.registration.verifyPage(String(token ?? ''));
    return this.pages.forLink(res, lang, state, (live) =>
      this.pages.confirmEmail(lang, String(token), live.email, live.setPassword),
    );
  }

  @Post('users/verify')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Confirm an address with the token of the link',
    description: 'JSON for API clients; the form of the GET page gets an HTML page back.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: VerifyLinkDto })
  @ApiOkResponse({ type: VerifyResultDto })
  @ApiErrors(
    OtpErrors.invalid_link,
    CommonErrors.validation_failed,
    RegistrationErrors.choose_password,
  )
  verify(
    @Body() dto: VerifyLinkDto,
    @Req() req: Request,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<VerifyResultDto | string> {
    return this.pages.respond(
      req,
      res,
      () => this.registration.confirmByLink(dto, meta),
      (r, lang) => this.pages.done(lang, 'confirm', { email: r.email }),
    );
  }
}
