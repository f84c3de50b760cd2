import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { MayOmit } from '../common/decorators/may-omit.decorator';

/**
 * The languages of the mail and pages. The one check of a locale a user may choose; the mail
 * locales issue (i14) owns the list and replaces this with the template folders it ships.
 */
export const SUPPORTED_LOCALES: readonly string[] = ['en', 'ru'];

export function isSupportedLocale(value: unknown): value is string {
  return typeof value === 'string' && SUPPORTED_LOCALES.includes(value);
}

/** An optional `locale` body field, one of SUPPORTED_LOCALES. */
export const LocaleField = () =>
  applyDecorators(
    ApiPropertyOptional({ enum: SUPPORTED_LOCALES, description: 'Language of mail and pages' }),
    MayOmit(),
    IsIn(SUPPORTED_LOCALES, {
      message: `locale must be one of: ${SUPPORTED_LOCALES.join(', ')}`,
    }),
  );
