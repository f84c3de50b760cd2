import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AUTH_CLIENT_OPTIONS, AuthClientOptions } from './auth-client.options';
import { AuthClientService } from './auth-client.service';
import { authError, IS_PUBLIC } from './decorators';
import { passesCsrfCheck, readBearer, readCookie, SESSION_COOKIE } from './session-cookie.rules';

/**
 * Lets a request through when the auth server accepts its token (bearer header, or the cookie in
 * cookie mode), and puts the user on `request.user`. Routes marked `@Public()` skip it.
 */
@Injectable()
export class AuthClientGuard implements CanActivate {
  private readonly cookieName: string;

  constructor(
    private readonly reflector: Reflector,
    private readonly client: AuthClientService,
    @Inject(AUTH_CLIENT_OPTIONS) options: AuthClientOptions,
  ) {
    this.cookieName = options.cookieName ?? SESSION_COOKIE;
  }

  /** Synchronous for public routes and cached answers: Nest awaits only a returned promise. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const req = context.switchToHttp().getRequest<Request>();
    // As on the server: an Authorization header alone decides; else the cookie, and a write
    // authenticated by the cookie must carry a header forms cannot send.
    const auth = req.headers.authorization;
    const fromCookie = auth === undefined;
    const token = fromCookie ? readCookie(req, this.cookieName) : readBearer(auth);
    if (fromCookie && token && !passesCsrfCheck(req)) {
      throw authError(
        403,
        'csrf_header_missing',
        'A request authenticated by the session cookie must send X-CSRF-Protection: 1.',
      );
    }
    if (!token) throw authError(401, 'invalid_token', 'A bearer token is required.');
    const cached = this.client.cached(token);
    if (cached) {
      req.user = cached;
      return true;
    }
    return this.client.validate(token).then((user) => {
      req.user = user;
      return true;
    });
  }
}
