import type { Request } from 'express';

/**
 * What services and the audit log need to know about the request they act in, as plain values, so
 * that they are testable without HTTP and do not depend on the platform.
 */
export interface RequestMeta {
  /** `req.ip`: X-Forwarded-For counts only as far as TRUST_PROXY allows. */
  ip: string | null;
  userAgent: string | null;
  /** The server's own id of the request, made by the request-id middleware. */
  requestId: string | null;
  /** The X-Request-Id the client sent, when it looked safe; never trusted as an id. */
  clientRequestId: string | null;
}

export function requestMetaOf(req: Request): RequestMeta {
  return {
    ip: req.ip ?? null,
    userAgent: req.headers['user-agent'] ?? null,
    requestId: req.id ?? null,
    clientRequestId: req.clientRequestId ?? null,
  };
}
