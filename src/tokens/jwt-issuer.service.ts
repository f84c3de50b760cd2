import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { appConfig, type AppConfig, jwtConfig, type JwtConfig } from '../config/config';
import type { LiveSession } from '../sessions/live-session';
import { SigningKeysService } from './signing-keys.service';

export interface IssuedJwt {
  jwt: string;
  expiresAt: Date;
}

/**
 * Turns a live session into a short JWT that services verify offline against the published keys.
 * Only a session the AuthGuard found live gets here, so a revoked, expired or blocked one never
 * gets a JWT; the JWT cannot outlive its session, but it does outlive a revocation until it
 * expires (JWT_TTL). No audit record per JWT: a client asks for one every few minutes, and the
 * session it comes from is recorded at sign-in.
 */
@Injectable()
export class JwtIssuer {
  constructor(
    private readonly keys: SigningKeysService,
    @Inject(jwtConfig.KEY) private readonly config: JwtConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  async issue({ user, session }: LiveSession): Promise<IssuedJwt> {
    const { kid, alg, key } = await this.keys.current();
    const iat = Math.floor(Date.now() / 1000);
    const exp = Math.min(
      iat + Math.floor(this.config.ttlMs / 1000),
      Math.floor(session.expiresAt.getTime() / 1000),
    );
    const jwt = await new SignJWT({
      sid: session.id,
      email: user.email,
      email_verified: user.isConfirmed,
      role: user.role,
      aal: session.aal,
    })
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(this.app.publicUrl)
      .setAudience(this.config.audience)
      .setSubject(String(user.id))
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(key);
    return { jwt, expiresAt: new Date(exp * 1000) };
  }
}
