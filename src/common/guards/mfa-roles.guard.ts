import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { authConfig, AuthConfig } from '../../config/config';
import { AppError } from '../errors';

/** 403 `mfa_required`: MFA_REQUIRED_ROLES names the caller's role, the session is aal 1. */
export class MfaRequiredError extends AppError {
  constructor(message = 'Sign in with your second factor to use admin routes.') {
    super(403, 'mfa_required', message);
  }
}

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
      throw new MfaRequiredError();
    }
    return true;
  }
}
