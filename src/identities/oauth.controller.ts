import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { LoginResponseDto, MfaRequiredDto } from '../auth/dto/login.dto';
import { SessionCookie } from '../auth/session-cookie';
import { AcceptLanguage } from '../common/decorators/accept-language.decorator';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { IpRateLimit } from '../common/decorators/ip-rate-limit.decorator';
import { Public } from '../common/decorators/public.decorator';
import { ReqMeta } from '../common/decorators/request-meta.decorator';
import { CommonErrors } from '../common/errors';
import type { RequestMeta } from '../common/request-meta';
import { OAuthExchangeDto, OAuthStartQueryDto, ProviderListDto } from './dto/identities.dto';
import { IdentitiesErrors } from './identities.errors';
import { IdentitiesService } from './identities.service';
import { OAuthFlowCookie } from './oauth-flow-cookie';

const REDIRECT = (description: string) => ({
  status: 302,
  description,
  headers: { Location: { schema: { type: 'string', format: 'uri' } } },
});

const PROVIDER_PARAM = { name: 'provider', description: 'A name of GET /login/providers' };

/** Sign-in with another provider (OpenID Connect, GitHub): the browser's round trip and the app's exchange. */
@ApiTags('auth')
@Controller()
export class OAuthController {
  constructor(
    private readonly identities: IdentitiesService,
    private readonly sessionCookie: SessionCookie,
  ) {}

  @Public()
  @Get('login/providers')
  @ApiOperation({
    summary: 'The providers one can sign in with (OAUTH_PROVIDERS)',
    description: 'For the sign-in page’s buttons: each leads to GET /login/oauth/{name}.',
  })
  @ApiOkResponse({ type: ProviderListDto })
  providers(): ProviderListDto {
    return this.identities.listProviders();
  }

  @Public()
  @IpRateLimit()
  @Get('login/oauth/:provider')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Start a sign-in with a provider (the browser navigates here)',
    description:
      'Redirects to the provider with PKCE (S256), state and nonce, bound to this browser by a ' +
      'short-lived HttpOnly cookie. The browser comes back to redirect_to with `code` (for ' +
      'POST /login/oauth/exchange) or `error`. A provider that cannot be reached sends it back ' +
      'at once with error=provider_unavailable.',
  })
  @ApiParam(PROVIDER_PARAM)
  @ApiResponse(REDIRECT('To the provider (or back to redirect_to with `error`)'))
  @ApiErrors(
    CommonErrors.validation_failed,
    IdentitiesErrors.invalid_redirect,
    IdentitiesErrors.provider_not_found,
  )
  async start(
    @Param('provider') provider: string,
    @Query() query: OAuthStartQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    const { location, flow } = await this.identities.start(provider, query);
    if (flow) OAuthFlowCookie.set(res, flow);
    res.redirect(302, location);
  }

  @Public()
  @IpRateLimit()
  @Get('login/oauth/:provider/callback')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "The provider's return (register this URL at the provider)",
    description:
      'Checks state against the browser’s cookie, exchanges the code, validates the ID token ' +
      '(signature, iss, aud, exp, nonce), applies the account rules and redirects to ' +
      'redirect_to with a single-use `code` (60 seconds) or `error` (email_not_verified, ' +
      'signup_disabled, access_denied, invalid_state, provider_error, provider_unavailable, ' +
      'server_error). Takes whatever query the provider sends (code, state, iss, error, ...).',
  })
  @ApiParam(PROVIDER_PARAM)
  @ApiResponse(REDIRECT('Back to redirect_to with `code` or `error`'))
  @ApiErrors(IdentitiesErrors.invalid_oauth_state, IdentitiesErrors.provider_not_found)
  async callback(
    @Param('provider') provider: string,
    @Req() req: Request,
    @ReqMeta() meta: RequestMeta,
    @AcceptLanguage() acceptLanguage: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const query = new URL(req.originalUrl, 'http://callback.invalid').searchParams;
    const location = await this.identities.callback(
      provider,
      query,
      OAuthFlowCookie.read(req),
      meta,
      acceptLanguage,
    );
    OAuthFlowCookie.clear(res);
    res.redirect(302, location);
  }

  @Public()
  @IpRateLimit()
  @Post('login/oauth/exchange')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Exchange the code from redirect_to and its code_verifier for a session',
    description:
      'Answers as POST /login. The code is single use (a wrong code_verifier spends it too). ' +
      'Audit `login` with details.method = "oauth:<provider>".',
  })
  @ApiExtraModels(LoginResponseDto, MfaRequiredDto)
  @ApiOkResponse({
    description: 'A session, or for a user with a second factor the mfa_required answer',
    schema: {
      oneOf: [{ $ref: getSchemaPath(LoginResponseDto) }, { $ref: getSchemaPath(MfaRequiredDto) }],
    },
  })
  @ApiErrors(CommonErrors.validation_failed, IdentitiesErrors.invalid_oauth_code)
  async exchange(
    @Body() dto: OAuthExchangeDto,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponseDto | MfaRequiredDto> {
    const result = await this.identities.exchange(dto, meta);
    if (result.session) this.sessionCookie.set(res, result.session.token, result.session.expiresAt);
    return result.body;
  }
}
