import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/**
 * The request's Accept-Language header (raw), for a service that picks the language of a mail to
 * an address without an account, or of a page (MailCatalog.resolve chooses among the locales).
 */
export const AcceptLanguage = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): string | undefined =>
    acceptLanguageOf(ctx.switchToHttp().getRequest<Request>()),
);

/** The header, if it is one sane string (a hostile megabyte of language ranges is ignored). */
export function acceptLanguageOf(req: Request): string | undefined {
  const value = req.headers['accept-language'];
  return typeof value === 'string' && value.length <= 500 ? value : undefined;
}
