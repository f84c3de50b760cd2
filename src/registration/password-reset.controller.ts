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
import { AccountPages, ApiLinkPage } from './account-pages';
import { EmailDto } from './dto/email.dto';
import { ResetPasswordDto } from './dto/reset-password.dto';
import { MessageResponseDto } from '../common/dto/message-response.dto';
import { PasswordResetService } from './password-reset.service';
import { CommonErrors } from '../common/errors';
import { OtpErrors } from '../otp/otp.errors';
import { PasswordsErrors } from '../passwords/passwords.errors';
import { ApiErrors } from '../common/decorators/api-errors.decorator';

@ApiTags('registration')
@Public()
@Controller('password')
export class PasswordResetController {
  constructor(
    private readonly resets: PasswordResetService,
    private readonly pages: AccountPages,
  ) {}

  @Post('forgot')
  @IpRateLimit()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a code and link to reset the password',
    description: 'The same answer and cooldown whether or not the address has an account.',
  })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiErrors(CommonErrors.validation_failed, OtpErrors.mail_cooldown)
  forgot(@Body() dto: EmailDto, @ReqMeta() meta: RequestMeta): Promise<MessageResponseDto> {
    return this.resets.forgot(dto.email, meta);
  }

  @Get('reset')
  @ApiLinkPage('The page a reset link opens: a form for the new password', 'POST /password/reset')
  async resetPage(
    @Query('token') token: string | undefined,
    @AcceptLanguage() lang: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const state = await this.resets.resetPage(String(token ?? ''));
    return this.pages.forLink(res, lang, state, (live) =>
      this.pages.resetPassword(lang, String(token), live.email),
    );
  }

  @Post('reset')
  @IpRateLimit()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Set a new password with the mailed code or link',
    description:
      'Body: {email, code, new_password} or {token, new_password}. Ends every session of the ' +
      'user. JSON for API clients; the form of the GET page gets an HTML page back.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: ResetPasswordDto })
  @ApiOkResponse({ type: MessageResponseDto })
  @ApiErrors(
    OtpErrors.invalid_code,
    OtpErrors.invalid_link,
    PasswordsErrors.weak_password,
    CommonErrors.validation_failed,
    OtpErrors.too_many_attempts,
  )
  reset(
    @Body() dto: ResetPasswordDto,
    @Req() req: Request,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MessageResponseDto | string> {
    return this.pages.respond(
      req,
      res,
      () => this.resets.reset(dto, meta),
      (_, lang) => this.pages.done(lang, 'reset'),
    );
  }
}
