import { Controller, Get, Header, Param, Req, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { AcceptLanguage } from '../common/decorators/accept-language.decorator';
import { Public } from '../common/decorators/public.decorator';
import { ACCOUNT_COOKIE, readCookie } from '../common/session-cookie.rules';
import { AccountPage } from './account-page';

/**
 * The account page (GET /account): its page and files. Everything it does goes through the public
 * API, whose sign-in routes set the account cookie when the page asks (SessionCookie).
 */
@Controller('account')
@ApiExcludeController()
export class AccountPageController {
  constructor(private readonly page: AccountPage) {}

  @Public()
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('Vary', 'Accept-Language, Cookie')
  shell(@Req() req: Request, @AcceptLanguage() acceptLanguage: string | undefined): string {
    return this.page.html(acceptLanguage, readCookie(req, ACCOUNT_COOKIE) !== undefined);
  }

  @Public()
  @Get('assets/:name')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('name') name: string): StreamableFile {
    return this.page.asset(name);
  }
}
