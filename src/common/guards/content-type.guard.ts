import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
// Swagger's metadata key for @ApiConsumes (its constants module is not exported).
const API_CONSUMES = 'swagger/apiConsumes';
import type { Request } from 'express';
import { AppError } from '../errors';

const JSON_TYPE = 'application/json';

/**
 * 415 for a body whose type the route does not take. A route takes JSON unless it says otherwise
 * with Swagger's `@ApiConsumes(...)`, so the document and the check cannot drift apart.
 */
@Injectable()
export class ContentTypeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    if (!hasBody) return true;
    const accepted = this.reflector.getAllAndOverride<string[] | undefined>(API_CONSUMES, [
      context.getHandler(),
      context.getClass(),
    ]) ?? [JSON_TYPE];
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const ok = accepted.some(
      (a) => a === type || (a === JSON_TYPE && /^application\/[\w.-]+\+json$/.test(type)),
    );
    if (!ok) {
      throw new AppError(
        415,
        'unsupported_media_type',
        `Send the body as ${accepted.join(' or ')}.`,
      );
    }
    return true;
  }
}
