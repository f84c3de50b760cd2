import type { Request } from 'express';

/**
 * What the exception filter calls for a 401 or 403, so that a denial by a guard can be recorded.
 * Declared here and provided by the audit module (AuditDenialRecorder): `common/` knows no feature.
 */
export abstract class AccessDenialRecorder {
  abstract recordDenial(req: Request, code: string): Promise<void>;
}
