import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { AuthUser, Role } from './auth-user';

/** How a JWT of the auth server is checked: its issuer and audience (POST /token/jwt's claims). */
export interface AuthClientJwtOptions {
  /** The server's `PUBLIC_URL` (the `iss` claim). */
  issuer: string;
  /** The server's `JWT_AUDIENCE` (default: its `PUBLIC_URL`). */
  audience: string;
  /** Where the public keys are (default: `<baseUrl>/.well-known/jwks.json`). */
  jwksUrl?: string;
  /** Leeway for `exp` and `nbf` between this service's clock and the server's (default 5 s). */
  clockToleranceSec?: number;
}

export interface VerifiedJwt {
  user: AuthUser;
  /** Seconds since the epoch, as in the claims. */
  iat: number;
  exp: number;
}

/** A token in the JWS compact form (three base64url parts). Session tokens have no dot. */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

/** What jose answers when the token, not the key set's server, is at fault. */
const REFUSALS = new Set([
  'ERR_JWS_INVALID',
  'ERR_JWT_INVALID',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
]);

export class JwtRefused extends Error {}
export class JwksUnavailable extends Error {}

const ROLES: readonly Role[] = ['root', 'admin', 'user'];

/**
 * Checks the server's JWTs against its published keys with jose: signature, `iss`, `aud`, `exp`,
 * `nbf`, and the algorithms the server signs with. The key set is cached and fetched again when a
 * token names a key it does not hold (a rotation), at most once a second so that made-up key
 * ids cannot make it hammer the server.
 */
export class JwtVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly options: AuthClientJwtOptions,
    baseUrl: string,
    timeoutMs: number,
  ) {
    if (!options.issuer || !options.audience) {
      throw new Error('AuthClientModule: jwt needs the issuer and the audience of the auth server');
    }
    const url = new URL(options.jwksUrl ?? `${baseUrl}/.well-known/jwks.json`);
    this.keys = createRemoteJWKSet(url, { timeoutDuration: timeoutMs, cooldownDuration: 1_000 });
  }

  async verify(token: string): Promise<VerifiedJwt> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ['EdDSA', 'ES256'],
        requiredClaims: ['sub', 'sid', 'iat', 'exp'],
        clockTolerance: this.options.clockToleranceSec ?? 5,
      }));
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string' && REFUSALS.has(code)) throw new JwtRefused(code);
      throw new JwksUnavailable(String(e));
    }
    const { sub, sid, email, role, aal, iat, exp } = payload;
    if (
      typeof sid !== 'string' ||
      typeof email !== 'string' ||
      !ROLES.includes(role as Role) ||
      typeof iat !== 'number' ||
      typeof exp !== 'number'
    ) {
      throw new JwtRefused('claims');
    }
    return {
      user: { id: String(sub), email, role: role as Role, sessionId: sid, aal: aal === 2 ? 2 : 1 },
      iat,
      exp,
    };
  }
}
