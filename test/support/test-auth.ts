import { CanActivate, ExecutionContext, Injectable, Module } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { AuthUser, Role } from '../../src/common/auth-user';
import { IS_PUBLIC } from '../../src/common/decorators/public.decorator';
import { AppError } from '../../src/common/errors';

/**
 * TEST ONLY, a stand-in for the global AuthGuard (issue 3, not merged into this branch yet): takes
 * the caller from an `X-Test-User: <id>:<email>:<role>` header and, like the real guard, answers
 * 401 on a non-public route without one. Registered after AppModule's guards, as the real one is.
 */
@Injectable()
class HeaderAuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.headers['x-test-user'];
    if (typeof header === 'string') {
      const [id, email, role] = header.split(':');
      req.user = { id, email, role: role as Role, sessionId: 'test-session' } satisfies AuthUser;
      return true;
    }
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    throw new AppError(401, 'invalid_token', 'A valid session is required.');
  }
}

@Module({ providers: [{ provide: APP_GUARD, useClass: HeaderAuthGuard }] })
export class HeaderAuthModule {}

export const asUser = (id: number, email: string, role: Role) => ({
  'X-Test-User': `${id}:${email}:${role}`,
});
