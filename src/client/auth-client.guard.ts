import { CanActivate, ExecutionContext, HttpException, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { IS_PUBLIC } from '../common/decorators/public.decorator';
import { AUTH_CLIENT_OPTIONS, AuthClientOptions } from './auth-client.options';
import { AuthClientService } from './auth-client.service';

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      return decodeURIComponent(part.slice(i + 1).trim());
    }
  }
  return undefined;
}

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
    this.cookieName = options.cookieName ?? 'auth_token';
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ')
      ? auth.slice(7).trim()
      : cookieValue(req.headers.cookie, this.cookieName);
    if (!token) {
      throw new HttpException(
        {
          statusCode: 401,
          error: 'Unauthorized',
          code: 'invalid_token',
          message: 'A bearer token is required.',
        },
        401,
      );
    }
    req.user = await this.client.validate(token);
    return true;
  }
}
