import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

/** A PKCE value of RFC 7636: 43 to 128 characters of the unreserved set. */
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
/** An S256 challenge: the base64url of a SHA-256, 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export class OAuthStartQueryDto {
  @ApiProperty({
    description:
      'Where the browser returns with `code` (or `error`): an absolute URL whose origin and path ' +
      'are those of an entry of OAUTH_REDIRECT_URLS (or below it)',
    example: 'https://app.example.com/signed-in',
    maxLength: 2048,
  })
  @IsString()
  @MaxLength(2048)
  redirect_to: string;

  @ApiProperty({
    description:
      "The app's PKCE challenge: base64url(SHA-256(code_verifier)); the app later sends the " +
      'code_verifier to POST /login/oauth/exchange',
    example: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  })
  @IsString()
  @Matches(S256_CHALLENGE, { message: 'code_challenge must be an S256 challenge (43 characters)' })
  code_challenge: string;
}

export class OAuthExchangeDto {
  @ApiProperty({ description: 'The `code` the browser brought back on redirect_to (60 seconds)' })
  @IsString()
  @MaxLength(64)
  code: string;

  @ApiProperty({ description: 'The PKCE code_verifier whose S256 is the code_challenge given' })
  @IsString()
  @Matches(PKCE_VERIFIER, { message: 'code_verifier must be 43 to 128 unreserved characters' })
  code_verifier: string;
}

export class ProviderDto {
  @ApiProperty({ example: 'google', description: 'As in /login/oauth/{provider}' })
  name: string;

  @ApiProperty({ example: 'Google' })
  display_name: string;
}

export class ProviderListDto {
  @ApiProperty({ type: [ProviderDto] })
  providers: ProviderDto[];
}

export class IdentityDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'github' })
  provider: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The address the provider gave at the last sign-in',
  })
  email: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_used_at: string | null;
}

export class IdentityListDto {
  @ApiProperty({ type: [IdentityDto] })
  identities: IdentityDto[];
}
