import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiExcludeEndpoint,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthService } from '../auth/auth.service';
import { LoginDto } from '../auth/dto/login.dto';
import { TokenInfoDto } from '../auth/dto/token-info.dto';
import type { AuthUser } from '../common/auth-user';
import { AcceptLanguage } from '../common/decorators/accept-language.decorator';
import { AdminOnly } from '../common/decorators/admin-only.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { IpRateLimit } from '../common/decorators/ip-rate-limit.decorator';
import { Public } from '../common/decorators/public.decorator';
import { ReqMeta } from '../common/decorators/request-meta.decorator';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { NotFoundError } from '../common/errors';
import type { RequestMeta } from '../common/request-meta';
import { CONSOLE_COOKIE, passesCsrfCheck, readCookie } from '../common/session-cookie.rules';
import { CsrfHeaderMissingError } from '../auth/auth.guard';
import { consoleCookie } from './console-cookie';
import { ConsolePage } from './console-page';
import { ConsoleService } from './console.service';

/**
 * The admin console (GET /admin): its page and files, and its cookie session. Everything else the
 * console does goes through the admin API routes, which accept the console cookie (AuthGuard).
 */
@ApiTags('console')
@Controller('admin')
export class ConsoleController {
  constructor(
    private readonly page: ConsolePage,
    private readonly console: ConsoleService,
    private readonly auth: AuthService,
  ) {}

  @Public()
  @Get()
  @ApiExcludeEndpoint()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('Vary', 'Accept-Language, Cookie')
  shell(@Req() req: Request, @AcceptLanguage() acceptLanguage: string | undefined): string {
    const hasCookie = readCookie(req, CONSOLE_COOKIE) !== undefined;
    return this.page.html(this.page.locale(acceptLanguage), hasCookie);
  }

  @Public()
  @Get('assets/:name')
  @ApiExcludeEndpoint()
  @Header('Cache-Control', 'no-cache')
  asset(@Param('name') name: string): StreamableFile {
    const file = this.page.asset(name);
    if (!file) throw new NotFoundError('not_found', 'No such file.');
    return new StreamableFile(file.body, { type: file.contentType, length: file.body.length });
  }

  @Public()
  @IpRateLimit()
  @Post('session')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Sign in to the admin console (sets the console cookie)',
    description:
      'The rules of POST /login (throttle, audit, 401 invalid_credentials), then only a root or ' +
      'admin keeps the session: it is set in the HttpOnly cookie `__Host-console` (whatever ' +
      'AUTH_COOKIE says) and never in the body. Needs `X-CSRF-Protection: 1`. The cookie ' +
      'authenticates the admin routes only; their POST, PUT and DELETE need the same header.',
  })
  @ApiOkResponse({ type: TokenInfoDto })
  @ApiUnauthorizedResponse({ description: 'invalid_credentials', type: ErrorResponseDto })
  @ApiForbiddenResponse({
    description: 'not_an_admin, email_not_confirmed, csrf_header_missing',
    type: ErrorResponseDto,
  })
  async signIn(
    @Req() req: Request,
    @Body() dto: LoginDto,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TokenInfoDto> {
    if (!passesCsrfCheck(req)) throw new CsrfHeaderMissingError();
    const result = await this.console.signIn(dto, meta);
    consoleCookie.set(res, result.token, result.expiresAt);
    return result.body;
  }

  @AdminOnly()
  @ApiCookieAuth('console')
  @ApiBearerAuth()
  @Get('session')
  @ApiOperation({
    summary: 'Who is signed in to the console, and until when',
    description: 'The answer of GET /validate_token, for the console cookie (or a bearer).',
  })
  @ApiOkResponse({ type: TokenInfoDto })
  whoAmI(@Req() req: Request): TokenInfoDto {
    return this.auth.describeSession(req.authSession!);
  }

  @AdminOnly()
  @ApiCookieAuth('console')
  @ApiBearerAuth()
  @Delete('session')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Sign out of the console: ends the session, clears the cookie',
    description: 'Recorded as logout. With the cookie, needs `X-CSRF-Protection: 1`.',
  })
  @ApiNoContentResponse()
  async signOut(
    @CurrentUser() user: AuthUser,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.auth.logout(user, meta);
    consoleCookie.clear(res);
  }
}
