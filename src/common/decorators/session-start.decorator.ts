import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/**
 * When the caller's session began (its sign-in), as the AuthGuard found it: a recent sign-in
 * stands in for the password of an account without one (the owner proof's "fresh session").
 */
export const SessionStart = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): { createdAt: Date } => {
    const req = ctx.switchToHttp().getRequest<Request>() as Request & {
      authSession?: { session: { createdAt: Date } };
    };
    // No session found (cannot happen behind the AuthGuard): never fresh.
    return { createdAt: req.authSession?.session.createdAt ?? new Date(0) };
  },
);
