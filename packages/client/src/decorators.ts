import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  HttpException,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
import { ADMIN_ROLES, AuthUser } from './auth-user';

/** The same key as the auth server's own `@Public()`, so one decorator serves both. */
export const IS_PUBLIC = 'auth:public';

/** Opts a route (or controller) out of the guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The authenticated caller, as the guard put it on the request. */
export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthUser | undefined =>
    ctx.switchToHttp().getRequest<Request>().user,
);

/** The error shape of the auth server's API, so a service answers as the server does. */
export function authError(status: number, code: string, message: string): HttpException {
  const names: Record<number, string> = {
    401: 'Unauthorized',
    403: 'Forbidden',
    503: 'Service Unavailable',
  };
  return new HttpException({ statusCode: status, error: names[status], code, message }, status);
}

/** Lets through a `root` or `admin`; the AuthClientGuard has already authenticated the caller. */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<Request>().user;
    if (!user) throw authError(401, 'invalid_token', 'A valid session is required.');
    if (!ADMIN_ROLES.includes(user.role))
      throw authError(403, 'forbidden', 'This route is for admins.');
    return true;
  }
}

/** Limits a route to `root` and `admin` callers (403 for others), as inside the auth server. */
export const AdminOnly = () => applyDecorators(UseGuards(AdminGuard));
