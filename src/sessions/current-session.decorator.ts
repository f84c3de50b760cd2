import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { LiveSession } from './live-session';

/**
 * The caller's live session and user, as the AuthGuard found them: a plain value, for a service
 * that reads the session itself (its age, for the owner proof's fresh-session form).
 */
export const CurrentSession = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): LiveSession | undefined =>
    ctx.switchToHttp().getRequest<Request>().authSession,
);
