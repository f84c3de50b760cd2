import type { ExecutionContext } from '@nestjs/common';
import { HttpException } from '@nestjs/common';
import type { AuthUser } from './auth-user';
import { RequireAal2Guard } from './require-aal2.decorator';

const contextWith = (user?: Partial<AuthUser>) =>
  ({ switchToHttp: () => ({ getRequest: () => ({ user }) }) }) as unknown as ExecutionContext;

describe('RequireAal2Guard', () => {
  const guard = new RequireAal2Guard();

  it('lets a session that passed a second factor through', () => {
    expect(guard.canActivate(contextWith({ id: '1', aal: 2 }))).toBe(true);
  });

  it('refuses an aal-1 session with 403 mfa_required', () => {
    try {
      guard.canActivate(contextWith({ id: '1', aal: 1 }));
      throw new Error('not refused');
    } catch (e) {
      expect(e).toBeInstanceOf(HttpException);
      expect((e as HttpException).getStatus()).toBe(403);
      expect((e as HttpException).getResponse()).toMatchObject({ code: 'mfa_required' });
    }
  });
});
