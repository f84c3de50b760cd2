import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** What POST /token/jwt answers. */
export class JwtResponseDto {
  @ApiProperty({
    description:
      'A JWT (EdDSA or ES256, `kid` in its header) for services that verify it offline against ' +
      'GET /.well-known/jwks.json. Not a session token: bearer routes refuse it.',
  })
  jwt: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type: 'Bearer';

  @ApiProperty({ format: 'date-time', description: 'Its `exp`: JWT_TTL, never past the session' })
  expires_at: string;
}

/** One public key of the set (RFC 7517): never a private member. */
export class PublicJwkDto {
  @ApiProperty({ description: 'The key id (its RFC 7638 thumbprint), as in a JWT header' })
  kid: string;

  @ApiProperty({ enum: ['EdDSA', 'ES256'] })
  alg: string;

  @ApiProperty({ enum: ['sig'] })
  use: 'sig';

  @ApiProperty({ enum: ['OKP', 'EC'] })
  kty: string;

  @ApiProperty({ enum: ['Ed25519', 'P-256'] })
  crv: string;

  @ApiProperty({ description: 'base64url' })
  x: string;

  @ApiPropertyOptional({ description: 'base64url (P-256 only)' })
  y?: string;
}

/** GET /.well-known/jwks.json: the keys that verify JWTs, the current one first. */
export class JwksDto {
  @ApiProperty({ type: [PublicJwkDto] })
  keys: PublicJwkDto[];
}
