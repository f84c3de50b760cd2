import { ArgumentsHost, Catch, ExceptionFilter, Logger, Optional } from '@nestjs/common';
import type { Request, Response } from 'express';
import { sendError } from '../errors';
import { AccessDenialRecorder } from './access-denial-recorder';
import { mapException } from './map-exception';

/**
 * Maps every error to the one JSON shape; unknown ones are logged and answered with a request id
 * only. A 401/403 on an audited or admin route that no interceptor has recorded (a guard refused
 * it) is recorded here as `access_denied`, before the answer goes out.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  constructor(@Optional() private readonly denials?: AccessDenialRecorder) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    if (res.headersSent) return;

    const { body, headers, unexpected } = mapException(exception);
    if (unexpected) {
      this.logger.error({ msg: 'unexpected error', request_id: req.id, err: exception });
    } else if (body.code === 'database_unavailable') {
      this.logger.warn({ msg: 'database unavailable', request_id: req.id, err: String(exception) });
    }
    if (body.statusCode >= 500) body.request_id = req.id;

    if ((body.statusCode === 401 || body.statusCode === 403) && this.denials) {
      await this.denials.recordDenial(req, body.code);
    }
    if (res.headersSent) return;
    sendError(res, body, headers);
  }
}
