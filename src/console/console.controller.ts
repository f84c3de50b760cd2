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
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthService } from '../auth/auth.service';
import { LoginDto, LoginMfaDto, MfaRequiredDto } from '../auth/dto/login.dto';
import { TokenInfoDto } from '../auth/dto/token-info.dto';
import type { AuthUser } from '../common/auth-user';
import { AcceptLanguage } from '../common/decorators/accept-language.decorator';
import { AdminOnly } from '../common/decorators/admin-only.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { IpRateLimit } from '../common/decorators/ip-rate-limit.decorator';
import { Public } from '../common/decorators/public.decorator';
import { ReqMeta } from '../common/decorators/request-meta.decorator';
import type { RequestMeta } from '../common/request-meta';
import { CONSOLE_COOKIE, passesCsrfCheck, readCookie } from '../common/session-cookie.rules';
import { consoleCookie } from './console-cookie';
import { ConsolePage } from './console-page';
import { ConsoleService, type ConsoleSignIn } from './console.service';
import { AuthErrors } from '../auth/auth.errors';
import { ConsoleErrors } from './console.errors';
import { OAuthExchangeDto } from '../identities/dto/identities.dto';
import { IdentitiesErrors } from '../identities/identities.errors';
import { CommonErrors } from '../common/errors';
import { LoginThrottleErrors } from '../login-throttle/login-throttle.errors';
import { MfaErrors } from '../mfa/mfa.errors';
import { ApiErrors } from '../common/decorators/api-errors.decorator';

const refs = (model: new () => object) => ({ $ref: getSchemaPath(model) });

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
    return this.page.html(acceptLanguage, readCookie(req, CONSOLE_COOKIE) !== undefined);
  }

  @Public()
  @Get('assets/:name')
  @ApiExcludeEndpoint()
  @Header('Cache-Control', 'no-cache')
  asset(@Param('name') name: string): StreamableFile {
    return this.page.asset(name);
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
      'AUTH_COOKIE says) and never in the body. An admin with a second factor gets the ' +
      '`mfa_required` answer of POST /login instead, and then POST /admin/session/mfa; anyone ' +
      'else is refused before that step. Needs `X-CSRF-Protection: 1`. The cookie authenticates ' +
      'the admin routes only; their POST, PUT and DELETE need the same header.',
  })
  @ApiExtraModels(TokenInfoDto, MfaRequiredDto)
  @ApiOkResponse({
    description: 'Signed in (the cookie is set), or the second factor is asked for',
    schema: { oneOf: [refs(TokenInfoDto), refs(MfaRequiredDto)] },
  })
  @ApiErrors(
    AuthErrors.invalid_credentials,
    ConsoleErrors.not_an_admin,
    AuthErrors.email_not_confirmed,
    AuthErrors.csrf_header_missing,
    CommonErrors.mfa_required,
    LoginThrottleErrors.login_locked,
    LoginThrottleErrors.login_busy,
  )
  async signIn(
    @Req() req: Request,
    @Body() dto: LoginDto,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TokenInfoDto | MfaRequiredDto> {
    return this.answer(req, res, () => this.console.signIn(dto, meta));
  }

  @Public()
  @IpRateLimit()
  @Post('session/mfa')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Second step of the console sign-in: the mfa_token and a TOTP or recovery code',
    description:
      'The rules of POST /login/mfa (5 wrong codes end the mfa_token; wrong codes count in the ' +
      'login throttle), then the console cookie as for POST /admin/session. Needs ' +
      '`X-CSRF-Protection: 1`.',
  })
  @ApiOkResponse({ type: TokenInfoDto })
  @ApiErrors(
    CommonErrors.validation_failed,
    MfaErrors.invalid_mfa_code,
    MfaErrors.invalid_mfa_token,
    ConsoleErrors.not_an_admin,
    AuthErrors.csrf_header_missing,
    LoginThrottleErrors.login_locked,
    LoginThrottleErrors.login_busy,
  )
  async secondFactor(
    @Req() req: Request,
    @Body() dto: LoginMfaDto,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TokenInfoDto | MfaRequiredDto> {
    return this.answer(req, res, () => this.console.secondFactor(dto, meta));
  }

  @Public()
  @IpRateLimit()
  @Post('session/oauth')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Console sign-in through a provider: the code brought back and its code_verifier',
    description:
      'The console’s form of POST /login/oauth/exchange: the browser went to ' +
      'GET /login/oauth/{provider} with redirect_to = this server’s /admin and came back with ' +
      '`code`. Then only a root or admin keeps the session, in the console cookie as for ' +
      'POST /admin/session (or gets the `mfa_required` answer, for POST /admin/session/mfa). The ' +
      'code is single use, also when the answer is 403. Needs `X-CSRF-Protection: 1`.',
  })
  @ApiExtraModels(TokenInfoDto, MfaRequiredDto)
  @ApiOkResponse({
    description: 'Signed in (the cookie is set), or the second factor is asked for',
    schema: { oneOf: [refs(TokenInfoDto), refs(MfaRequiredDto)] },
  })
  @ApiErrors(
    CommonErrors.validation_failed,
    IdentitiesErrors.invalid_oauth_code,
    ConsoleErrors.not_an_admin,
    AuthErrors.csrf_header_missing,
    CommonErrors.mfa_required,
  )
  async providerSignIn(
    @Req() req: Request,
    @Body() dto: OAuthExchangeDto,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TokenInfoDto | MfaRequiredDto> {
    return this.answer(req, res, () => this.console.providerSignIn(dto, meta));
  }

  /**
   * Every console sign-in step: the CSRF header first (nothing is tried without it), then the
   * cookie for a session; the mfa_required answer goes to the page as it is.
   */
  private async answer(
    req: Request,
    res: Response,
    signIn: () => Promise<ConsoleSignIn>,
  ): Promise<TokenInfoDto | MfaRequiredDto> {
    if (!passesCsrfCheck(req)) throw AuthErrors.csrf_header_missing();
    const result = await signIn();
    if (result.token !== undefined) consoleCookie.set(res, result.token, result.expiresAt);
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
