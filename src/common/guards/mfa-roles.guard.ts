import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { authConfig, AuthConfig } from '../../config/config';
import { CommonErrors } from '../errors';

/**
 * MFA_REQUIRED_ROLES on the admin routes: a caller in one of those roles must come with a session
 * that passed a second factor. Runs after AdminGuard, so the caller is known to be an admin.
 */
@Injectable()
export class MfaRolesGuard implements CanActivate {
  constructor(@Inject(authConfig.KEY) private readonly cfg: AuthConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<Request>().user;
    if (user && user.aal < 2 && this.cfg.mfaRequiredRoles.includes(user.role)) {
      throw CommonErrors.mfa_required();
    }
    return true;
  }
}
