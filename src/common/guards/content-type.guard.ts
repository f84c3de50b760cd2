import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { CommonErrors } from '../errors';
import type { RouteMetadata, RouteStep } from './route-pipeline.guard';

// Swagger's metadata key for @ApiConsumes (its constants module is not exported).
const API_CONSUMES = 'swagger/apiConsumes';

const JSON_TYPE = 'application/json';

/**
 * 415 for a body whose type the route does not take. A route takes JSON unless it says otherwise
 * with Swagger's `@ApiConsumes(...)`, so the document and the check cannot drift apart. A step of
 * the global RoutePipelineGuard.
 */
@Injectable()
export class ContentTypeGuard implements RouteStep {
  readonly metadataKeys = [API_CONSUMES];

  check(req: Request, _res: unknown, route: RouteMetadata): void {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    if (!hasBody) return;
    const accepted = (route.get(API_CONSUMES) as string[] | undefined) ?? [JSON_TYPE];
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const ok = accepted.some(
      (a) => a === type || (a === JSON_TYPE && /^application\/[\w.-]+\+json$/.test(type)),
    );
    if (!ok) {
      throw CommonErrors.unsupported_media_type({
        message: `Send the body as ${accepted.join(' or ')}.`,
      });
    }
  }
}
