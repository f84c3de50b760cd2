import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json, urlencoded } from 'express';
import { errorBody, sendError } from '../errors';

export const BODY_LIMIT = '100kb';

interface ParserError extends Error {
  type?: string;
  status?: number;
}

/**
 * JSON (and, for the few routes that declare it, form) bodies up to 100 kB. Parser failures are
 * answered here in the API's error shape, since they happen before Nest's filters can see them.
 */
export function bodyParserMiddleware(): RequestHandler {
  const parsers: RequestHandler[] = [
    json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }),
    urlencoded({ limit: BODY_LIMIT, extended: false }),
  ];
  return (req: Request, res: Response, next: NextFunction) => {
    let i = 0;
    const step = (err?: unknown) => {
      if (err) return sendError(res, mapParserError(err as ParserError));
      const parser = parsers[i++];
      if (!parser) return next();
      parser(req, res, step);
    };
    step();
  };
}

function mapParserError(err: ParserError) {
  switch (err.type) {
    case 'entity.too.large':
      return errorBody(413, 'payload_too_large', `The body is larger than ${BODY_LIMIT}.`);
    case 'entity.parse.failed':
      return errorBody(400, 'invalid_json', 'The body is not valid JSON.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return errorBody(415, 'unsupported_media_type', 'Unsupported body encoding or charset.');
    default: {
      const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 400;
      return errorBody(status, undefined, 'The body could not be read.');
    }
  }
}
