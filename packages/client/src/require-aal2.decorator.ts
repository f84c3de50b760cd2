import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
import { authError } from './decorators';

/** Lets through only a session that passed a second factor (`aal: 2`); 403 `mfa_required` else. */
@Injectable()
export class RequireAal2Guard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<Request>().user;
    if (user?.aal === 2) return true;
    throw authError(403, 'mfa_required', 'This route needs a session that passed a second factor.');
  }
}

/** On a route or controller: the caller must have signed in with a second factor. */
export const RequireAal2 = () => applyDecorators(UseGuards(RequireAal2Guard));
