import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  HttpException,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';

/** Lets through only a session that passed a second factor (`aal: 2`); 403 `mfa_required` else. */
@Injectable()
export class RequireAal2Guard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<Request>().user;
    if (user?.aal === 2) return true;
    throw new HttpException(
      {
        statusCode: 403,
        error: 'Forbidden',
        code: 'mfa_required',
        message: 'This route needs a session that passed a second factor.',
      },
      403,
    );
  }
}

/** On a route or controller: the caller must have signed in with a second factor. */
export const RequireAal2 = () => applyDecorators(UseGuards(RequireAal2Guard));
