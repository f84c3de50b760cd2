import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Post,
  Put,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { NEEDS_SESSION, type AuthUser } from '../common/auth-user';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { IpRateLimit } from '../common/decorators/ip-rate-limit.decorator';
import { ReqMeta } from '../common/decorators/request-meta.decorator';
import { Public } from '../common/decorators/public.decorator';
import type { RequestMeta } from '../common/request-meta';
import { AuthService } from './auth.service';
import { MessageResponseDto } from '../common/dto/message-response.dto';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginCodeRequestDto, LoginCodeVerifyDto } from './dto/login-code.dto';
import { LoginDto, LoginMfaDto, LoginResponseDto, MfaRequiredDto } from './dto/login.dto';
import { TokenInfoDto } from './dto/token-info.dto';
import { LoginCodeService } from './login-code.service';
import { SessionCookie } from './session-cookie';
import { AuthErrors } from './auth.errors';
import { CommonErrors } from '../common/errors';
import { LoginThrottleErrors } from '../login-throttle/login-throttle.errors';
import { MfaErrors } from '../mfa/mfa.errors';
import { OtpErrors } from '../otp/otp.errors';
import { PasswordsErrors } from '../passwords/passwords.errors';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { jwtConfig, type JwtConfig } from '../config/config';
import { JwtIssuer } from '../tokens/jwt-issuer.service';
import {
  AuthenticationOptionsDto,
  MfaPasskeyOptionsDto,
  MfaPasskeyOptionsRequestDto,
  PasskeyLoginDto,
} from '../passkeys/dto/passkey.dto';
import { PasskeysErrors } from '../passkeys/passkeys.errors';

const refs = (model: new () => object) => ({ $ref: getSchemaPath(model) });

/** What a gateway gets for a valid session: the caller, in headers it passes upstream. */
const FORWARD_OK = {
  description: 'Valid session; the caller in the X-Auth-* headers',
  headers: {
    'X-Auth-User-Id': { schema: { type: 'string' } },
    'X-Auth-User-Email': { schema: { type: 'string' } },
    'X-Auth-User-Role': { schema: { type: 'string', enum: ['root', 'admin', 'user'] } },
    'X-Auth-Session-Id': { schema: { type: 'string' } },
    'X-Auth-Aal': { schema: { type: 'string', enum: ['1', '2'] } },
    'X-Auth-Jwt': {
      description: 'With FORWARD_AUTH_JWT=true: a JWT of the session, as POST /token/jwt makes',
      schema: { type: 'string' },
    },
  },
};

@ApiTags('auth')
@ApiBearerAuth()
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly loginCode: LoginCodeService,
    private readonly cookie: SessionCookie,
    private readonly jwts: JwtIssuer,
    @Inject(jwtConfig.KEY) private readonly jwtSettings: JwtConfig,
  ) {}

  @Public()
  @IpRateLimit()
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Log in and get a session token',
    description:
      'Unknown email, wrong password and blocked user are all 401 invalid_credentials. After 5 ' +
      'failures within 15 minutes each further attempt for that address waits (429, Retry-After).',
  })
  @ApiExtraModels(LoginResponseDto, MfaRequiredDto)
  @ApiOkResponse({
    description:
      'A session, or for a user with a second factor `mfa_required` (then POST /login/mfa)',
    schema: { oneOf: [refs(LoginResponseDto), refs(MfaRequiredDto)] },
  })
  @ApiErrors(
    CommonErrors.validation_failed,
    AuthErrors.invalid_credentials,
    AuthErrors.email_not_confirmed,
    LoginThrottleErrors.login_locked,
    LoginThrottleErrors.login_busy,
  )
  async login(
    @Body() dto: LoginDto,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponseDto | MfaRequiredDto> {
    const result = await this.auth.login(dto, meta);
    if (result.session) this.cookie.set(res, result.session.token, result.session.expiresAt);
    return result.body;
  }

  @Public()
  @IpRateLimit()
  @Post('login/code')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a sign-in code to the address (passwordless)',
    description:
      'The same 202, cooldown (RESEND_COOLDOWN, at most 10 an hour) and work for known and unknown ' +
      'addresses; a blocked user gets no mail. The 6-digit code lives OTP_TTL. Off with ' +
      'LOGIN_CODE_ENABLED=false (403 login_code_disabled).',
  })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiErrors(
    CommonErrors.validation_failed,
    AuthErrors.login_code_disabled,
    OtpErrors.mail_cooldown,
  )
  requestLoginCode(
    @Body() dto: LoginCodeRequestDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<MessageResponseDto> {
    return this.loginCode.requestCode(dto.email, meta);
  }

  @Public()
  @IpRateLimit()
  @Post('login/code/verify')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Sign in with the mailed code; answers as POST /login',
    description:
      'Five tries per code; 20 wrong codes for an address lock it for an hour (429). A right code ' +
      'also confirms an unconfirmed address. Audit `login` with details.method = "code".',
  })
  @ApiOkResponse({
    description: 'A session, or for a user with a second factor the mfa_required answer',
    schema: { oneOf: [refs(LoginResponseDto), refs(MfaRequiredDto)] },
  })
  @ApiErrors(
    OtpErrors.invalid_code,
    CommonErrors.validation_failed,
    AuthErrors.login_code_disabled,
    OtpErrors.too_many_attempts,
    LoginThrottleErrors.login_busy,
  )
  async verifyLoginCode(
    @Body() dto: LoginCodeVerifyDto,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponseDto | MfaRequiredDto> {
    const result = await this.loginCode.verify(dto, meta);
    if (result.session) this.cookie.set(res, result.session.token, result.session.expiresAt);
    return result.body;
  }

  @Public()
  @IpRateLimit()
  @Post('login/mfa')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Second step of a login: the mfa_token and a TOTP code, a recovery code or a passkey',
    description:
      'Answers as POST /login, with a session of aal 2. 5 wrong answers end the mfa_token; wrong ' +
      'answers count in the per-address login throttle. A TOTP code is accepted once. A passkey ' +
      '(`passkey`) answers the options of POST /login/mfa/passkey/options (401 invalid_passkey ' +
      'when it does not).',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiErrors(
    CommonErrors.validation_failed,
    MfaErrors.invalid_mfa_code,
    PasskeysErrors.invalid_passkey_login,
    MfaErrors.invalid_mfa_token,
    LoginThrottleErrors.login_locked,
    LoginThrottleErrors.login_busy,
  )
  async loginMfa(
    @Body() dto: LoginMfaDto,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponseDto> {
    const result = await this.auth.loginMfa(dto, meta);
    if (result.session) this.cookie.set(res, result.session.token, result.session.expiresAt);
    return result.body as LoginResponseDto;
  }

  @Public()
  @IpRateLimit()
  @Post('login/passkey/options')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Options for a usernameless passkey sign-in (navigator.credentials.get())',
    description:
      'No body. `allowCredentials` is empty: the browser offers the passkeys it holds for this ' +
      'site (autofill works with `mediation: "conditional"`). The challenge is single use and ' +
      'lives 5 minutes.',
  })
  @ApiOkResponse({ type: AuthenticationOptionsDto })
  passkeyOptions(): Promise<AuthenticationOptionsDto> {
    return this.auth.passkeyOptions();
  }

  @Public()
  @IpRateLimit()
  @Post('login/passkey')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Sign in with a passkey; answers as POST /login',
    description:
      '`response` is the AuthenticationResponseJSON. The session has aal 2 when the ' +
      'authenticator verified the user (UV flag), else aal 1 (and a user with TOTP then gets ' +
      '`mfa_required`). 401 invalid_passkey for an unknown credential, a bad signature, a wrong ' +
      'origin, a spent or expired challenge, or a signature counter that went back (recorded as ' +
      '`passkey_counter_regressed`); 401 invalid_credentials for a blocked user. Audit `login` ' +
      'with details.method = "passkey".',
  })
  @ApiOkResponse({
    description:
      'A session, or for a user with TOTP after a passkey without user verification, mfa_required',
    schema: { oneOf: [refs(LoginResponseDto), refs(MfaRequiredDto)] },
  })
  @ApiErrors(
    CommonErrors.validation_failed,
    PasskeysErrors.invalid_passkey_login,
    AuthErrors.invalid_credentials,
  )
  async loginPasskey(
    @Body() dto: PasskeyLoginDto,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponseDto | MfaRequiredDto> {
    const result = await this.auth.loginPasskey(dto, meta);
    if (result.session) this.cookie.set(res, result.session.token, result.session.expiresAt);
    return result.body;
  }

  @Public()
  @IpRateLimit()
  @Post('login/mfa/passkey/options')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Options for a passkey at the second-factor step',
    description:
      "`allowCredentials` lists the user's passkeys; answer with POST /login/mfa " +
      '{mfa_token, passkey}. New options replace the ones before for this mfa_token.',
  })
  @ApiOkResponse({ type: MfaPasskeyOptionsDto })
  @ApiErrors(CommonErrors.validation_failed, MfaErrors.invalid_mfa_token)
  mfaPasskeyOptions(
    @Body() dto: MfaPasskeyOptionsRequestDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<MfaPasskeyOptionsDto> {
    return this.auth.mfaPasskeyOptions(dto.mfa_token, meta);
  }

  @Get('validate_token')
  @ApiOperation({
    summary: 'Check a session token; answers its user and session',
    description: `${NEEDS_SESSION} 401 invalid_token for a missing, malformed, unknown, expired, revoked or blocked one.`,
  })
  @ApiOkResponse({ type: TokenInfoDto })
  validateToken(@Req() req: Request): TokenInfoDto {
    return this.auth.describeSession(req.authSession!);
  }

  @Get('auth/forward')
  @ApiOperation({
    summary: 'Gateway check (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz)',
    description:
      `${NEEDS_SESSION} Reads the token as GET /validate_token does. 200 with an empty body and ` +
      'X-Auth-User-Id, X-Auth-User-Email, X-Auth-User-Role, X-Auth-Session-Id and X-Auth-Aal ' +
      '(and with FORWARD_AUTH_JWT=true X-Auth-Jwt) for the gateway to pass upstream; 401 ' +
      'invalid_token otherwise. Never cached.',
  })
  @ApiOkResponse(FORWARD_OK)
  async forward(@Req() req: Request, @Res() res: Response): Promise<void> {
    const live = req.authSession!;
    const headers = this.auth.forwardHeaders(live);
    if (this.jwtSettings.forwardAuth) headers['X-Auth-Jwt'] = (await this.jwts.issue(live)).jwt;
    res.set(headers).status(200).end();
  }

  // Envoy's ext_authz puts the original path after its path_prefix.
  @Get('auth/forward/*path')
  @ApiOperation({
    summary: 'Gateway check with the original path appended (Envoy ext_authz path_prefix)',
    description: `${NEEDS_SESSION} The same answer as GET /auth/forward; the path is not read.`,
  })
  @ApiParam({ name: 'path', description: 'The original request path (ignored)', type: String })
  @ApiOkResponse(FORWARD_OK)
  forwardBelow(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.forward(req, res);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'End this session', description: NEEDS_SESSION })
  @ApiNoContentResponse()
  async logout(
    @CurrentUser() user: AuthUser,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.auth.logout(user, meta);
    this.cookie.clear(res);
  }

  @Post('logout/all')
  @HttpCode(204)
  @ApiOperation({ summary: 'End every session of the caller', description: NEEDS_SESSION })
  @ApiNoContentResponse()
  async logoutAll(
    @CurrentUser() user: AuthUser,
    @ReqMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.auth.logoutAll(user, meta);
    this.cookie.clear(res);
  }

  @Put('password')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Change the password; ends every other session',
    description: `${NEEDS_SESSION} Wrong current passwords count toward the login throttle.`,
  })
  @ApiNoContentResponse()
  @ApiErrors(
    PasswordsErrors.invalid_current_password,
    PasswordsErrors.weak_password,
    CommonErrors.validation_failed,
    LoginThrottleErrors.login_locked,
    LoginThrottleErrors.login_busy,
  )
  changePassword(
    @CurrentUser() user: AuthUser,
    @Body() dto: ChangePasswordDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.auth.changePassword(user, dto, meta);
  }
}
