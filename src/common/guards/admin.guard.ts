import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ADMIN_ROLES } from '../auth-user';
import { CommonErrors } from '../errors';

/** Lets through a `root` or `admin`; the global AuthGuard has already authenticated the caller. */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<Request>().user;
    if (!user) throw CommonErrors.invalid_token();
    if (!ADMIN_ROLES.includes(user.role)) throw CommonErrors.forbidden();
    return true;
  }
}
