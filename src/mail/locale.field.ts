import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, registerDecorator, ValidationOptions } from 'class-validator';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MayOmit } from '../common/decorators/may-omit.decorator';

/**
 * The locales that have templates, as the MailCatalog found them at start (shipped folders plus
 * the operator's). DTO validation runs outside Nest's injector, hence this one module-level list;
 * before a catalog has loaded, the shipped folders are the answer.
 */
let supported: readonly string[] | undefined;

export function setSupportedLocales(locales: readonly string[]): void {
  supported = [...locales];
}

export function supportedLocales(): readonly string[] {
  supported ??= readdirSync(join(__dirname, 'templates'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'partials')
    .map((d) => d.name);
  return supported;
}

function IsSupportedLocale(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isSupportedLocale',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: () => `locale must be one of ${supportedLocales().join(', ')}`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && supportedLocales().includes(value),
      },
    });
}

/**
 * `locale` in a body (POST /register, POST /users/add, PUT /users/{id}, PUT /me): optional, one of
 * the supported locales, else 400 validation_failed.
 */
export const LocaleField = () =>
  applyDecorators(
    ApiPropertyOptional({
      example: 'ru',
      description:
        'Language of the mail and pages: a locale with templates (shipped: en, ru; plus the ' +
        "operator's MAIL_TEMPLATES_DIR). Unset: Accept-Language, else MAIL_DEFAULT_LOCALE.",
    }),
    MayOmit(),
    IsString(),
    IsSupportedLocale(),
  );
