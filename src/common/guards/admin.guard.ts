import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ADMIN_ROLES } from '../auth-user';
import { AppError } from '../errors';

/** Lets through a `root` or `admin`; the global AuthGuard has already authenticated the caller. */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<Request>().user;
    if (!user) throw new AppError(401, 'invalid_token', 'A valid session is required.');
    if (!ADMIN_ROLES.includes(user.role)) {
      throw new AppError(403, 'forbidden', 'This route is for admins.');
    }
    return true;
  }
}
