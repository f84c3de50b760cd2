import { Body, Controller, Get, Header, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AcceptLanguage } from '../common/decorators/accept-language.decorator';
import { IpRateLimit } from '../common/decorators/ip-rate-limit.decorator';
import { Public } from '../common/decorators/public.decorator';
import { ReqMeta } from '../common/decorators/request-meta.decorator';
import type { RequestMeta } from '../common/request-meta';
import { AccountPages, ApiLinkPage } from './account-pages';
import { MessageResponseDto } from '../common/dto/message-response.dto';
import { SecureAccountDto } from './dto/secure-account.dto';
import { SecureAccountService } from './secure-account.service';
import { CommonErrors } from '../common/errors';
import { OtpErrors } from '../otp/otp.errors';
import { ApiErrors } from '../common/decorators/api-errors.decorator';

/** The "this wasn't me" link of the security notices. */
@ApiTags('registration')
@Public()
@Controller('account/secure')
export class SecureAccountController {
  constructor(
    private readonly secureAccount: SecureAccountService,
    private readonly pages: AccountPages,
  ) {}

  @Get()
  @ApiLinkPage(
    'The page the "this wasn\'t me" link of a notice opens: one button',
    'POST /account/secure',
  )
  async page(
    @Query('token') token: string | undefined,
    @AcceptLanguage() lang: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const state = await this.secureAccount.page(String(token ?? ''));
    return this.pages.forLink(res, lang, state, (live) =>
      this.pages.secureAccount(lang, String(token), live.email),
    );
  }

  @Post()
  @IpRateLimit()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'End every session of the user and mail a password reset',
    description:
      'With the token of a notice\'s "this wasn\'t me" link (single use). When the notice told ' +
      'of an email change, the account goes back to the address the notice was sent to. JSON for ' +
      'API clients; the form of the GET page gets an HTML page back. Audit notice_secure_account.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: SecureAccountDto })
  @ApiOkResponse({ type: MessageResponseDto })
  @ApiErrors(OtpErrors.invalid_link, CommonErrors.validation_failed)
  secure(
    @Body() dto: SecureAccountDto,
    @Req() req: Request,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MessageResponseDto | string> {
    return this.pages.respond(
      req,
      res,
      () => this.secureAccount.secure(dto.token, meta),
      (_, lang) => this.pages.done(lang, 'secure'),
    );
  }
}
