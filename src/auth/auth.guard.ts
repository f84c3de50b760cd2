import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ADMIN_ONLY } from '../common/decorators/admin-only.decorator';
import { IS_PUBLIC } from '../common/decorators/public.decorator';
import type { RouteMetadata, RouteStep } from '../common/guards/route-pipeline.guard';
import { SessionsService } from '../sessions/sessions.service';
import {
  ACCOUNT_COOKIE,
  CONSOLE_COOKIE,
  passesCsrfCheck,
  readBearer,
  readCookie,
} from '../common/session-cookie.rules';
import { SessionCookie } from './session-cookie';
import { AuthErrors } from './auth.errors';
import { CommonErrors } from '../common/errors';

/**
 * Global authentication: every route needs a live session unless it is marked `@Public()`. The
 * token comes from `Authorization: Bearer` or, in cookie mode, the session cookie; never from the
 * query string. The admin console's cookie counts only on `@AdminOnly()` routes, the account
 * page's cookie only on the others. Authorization
 * (admin routes) is declared on the route with `@AdminOnly()`. A step of the global
 * RoutePipelineGuard (AppModule).
 */
@Injectable()
export class AuthGuard implements RouteStep {
  readonly metadataKeys = [IS_PUBLIC, ADMIN_ONLY];

  constructor(
    private readonly sessions: SessionsService,
    private readonly cookie: SessionCookie,
  ) {}

  async check(req: Request, res: Response, route: RouteMetadata): Promise<void> {
    if (route.get(IS_PUBLIC)) return;
    res.setHeader('Cache-Control', 'no-store');

    let token: string | undefined;
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      token = readBearer(authorization);
    } else {
      // The console's cookie only on admin routes, the account page's on all the others.
      token =
        this.cookie.read(req) ||
        readCookie(req, route.get(ADMIN_ONLY) ? CONSOLE_COOKIE : ACCOUNT_COOKIE);
      if (token && !passesCsrfCheck(req)) {
        throw AuthErrors.csrf_header_missing();
      }
    }
    if (!token) throw CommonErrors.invalid_token();

    const live = await this.sessions.validate(token);
    if (!live) throw CommonErrors.invalid_token();
    req.user = {
      id: live.user.id,
      email: live.user.email,
      role: live.user.role,
      sessionId: live.session.id,
      aal: live.session.aal,
    };
    req.authSession = live;
  }
}
