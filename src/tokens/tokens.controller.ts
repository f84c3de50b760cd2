import { Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { NEEDS_SESSION } from '../common/auth-user';
import { Public } from '../common/decorators/public.decorator';
import { JwksDto, JwtResponseDto } from './dto/jwt.dto';
import { JwtIssuer } from './jwt-issuer.service';
import { SigningKeysService } from './signing-keys.service';

/** JWTs for services in any language, and the keys that verify them. */
@ApiTags('auth')
@Controller()
export class TokensController {
  constructor(
    private readonly issuer: JwtIssuer,
    private readonly keys: SigningKeysService,
  ) {}

  @Post('token/jwt')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Exchange the session token for a short signed JWT',
    description:
      `${NEEDS_SESSION} The JWT lives JWT_TTL (default 5 minutes), never past the session's end, ` +
      'and is not revoked with the session: a service that needs revocation at once checks the ' +
      'session itself or follows the change events. 401 invalid_token as on GET /validate_token.',
  })
  @ApiOkResponse({ type: JwtResponseDto })
  async issue(@Req() req: Request): Promise<JwtResponseDto> {
    const { jwt, expiresAt } = await this.issuer.issue(req.authSession!);
    return { jwt, token_type: 'Bearer', expires_at: expiresAt.toISOString() };
  }

  @Public()
  @Get('.well-known/jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'The public keys that verify the JWTs (JWKS)',
    description:
      'The current key and every retired key whose tokens may still be valid. A verifier that ' +
      'meets an unknown `kid` fetches the set again.',
  })
  @ApiOkResponse({ type: JwksDto })
  async jwks(): Promise<JwksDto> {
    return { keys: await this.keys.publicKeys() };
  }
}
