import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json, urlencoded } from 'express';
import { bodyOf, CommonErrors, errorBody, ErrorBody, sendError } from '../errors';

export const BODY_LIMIT = '100kb';
/** No DTO nests deeper, and a deeper body could make the validator overflow the stack. */
export const MAX_JSON_DEPTH = 32;

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
    json({
      limit: BODY_LIMIT,
      type: ['application/json', 'application/*+json'],
      verify: refuseDeepJson,
    }),
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

/**
 * Refuses JSON nested deeper than MAX_JSON_DEPTH before it is parsed: one pass over the bytes,
 * counting brackets outside strings (a bracket byte never occurs inside a multi-byte character).
 */
function refuseDeepJson(_req: unknown, _res: unknown, buf: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) {
        throw Object.assign(new Error('JSON nested too deeply'), {
          type: 'entity.too.deep',
          status: 400,
        });
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

function mapParserError(err: ParserError): ErrorBody {
  switch (err.type) {
    case 'entity.too.deep':
      return bodyOf(
        CommonErrors.invalid_json({
          message: `The body nests deeper than ${MAX_JSON_DEPTH} levels.`,
        }),
      );
    case 'entity.too.large':
      return bodyOf(
        CommonErrors.payload_too_large({ message: `The body is larger than ${BODY_LIMIT}.` }),
      );
    case 'entity.parse.failed':
      return bodyOf(CommonErrors.invalid_json());
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return bodyOf(
        CommonErrors.unsupported_media_type({ message: 'Unsupported body encoding or charset.' }),
      );
    default: {
      const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 400;
      return errorBody(status, undefined, 'The body could not be read.');
    }
  }
}
