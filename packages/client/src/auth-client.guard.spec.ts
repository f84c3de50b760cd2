import { ExecutionContext, HttpException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthUser } from './auth-user';
import { AuthClientGuard } from './auth-client.guard';
import type { AuthClientService } from './auth-client.service';

const ada: AuthUser = { id: '7', email: 'ada@example.com', role: 'user', sessionId: 's-1', aal: 1 };

/** The two methods the guard calls, typed against the real class. */
class FakeClient implements Pick<AuthClientService, 'cached' | 'validate'> {
  cache = new Map<string, AuthUser>();
  asked: string[] = [];
  cached(token: string) {
    return this.cache.get(token);
  }
  validate(token: string) {
    this.asked.push(token);
    return Promise.resolve(ada);
  }
}

function httpContext(headers: Record<string, string>) {
  const req: { headers: Record<string, string>; user?: AuthUser } = { headers };
  class Ctl {
    route() {}
  }
  const context = {
    getType: () => 'http',
    getHandler: () => Ctl.prototype.route,
    getClass: () => Ctl,
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext; // only the parts of Nest's context the guard reads
  return { req, context };
}

describe('AuthClientGuard', () => {
  const setup = () => {
    const client = new FakeClient();
    const guard = new AuthClientGuard(new Reflector(), client as AuthClientService, {
      baseUrl: 'http://auth',
    });
    return { client, guard };
  };

  it('passes a cached answer synchronously, without asking the server', () => {
    const { client, guard } = setup();
    client.cache.set('tok', ada);
    const { req, context } = httpContext({ authorization: 'Bearer tok' });
    expect(guard.canActivate(context)).toBe(true);
    expect(req.user).toEqual(ada);
    expect(client.asked).toEqual([]);
  });

  it('asks the server when nothing is cached, and sets the user once it answers', async () => {
    const { client, guard } = setup();
    const { req, context } = httpContext({ authorization: 'Bearer tok' });
    const result = guard.canActivate(context);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe(true);
    expect(req.user).toEqual(ada);
    expect(client.asked).toEqual(['tok']);
  });

  it('refuses a request without a token with 401 invalid_token', () => {
    const { guard } = setup();
    const { context } = httpContext({});
    let refusal: unknown;
    try {
      void guard.canActivate(context);
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(HttpException);
    expect((refusal as HttpException).getStatus()).toBe(401);
    expect((refusal as HttpException).getResponse()).toMatchObject({ code: 'invalid_token' });
  });
});
