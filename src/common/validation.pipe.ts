import { ArgumentMetadata, HttpException, ValidationError, ValidationPipe } from '@nestjs/common';
import { CommonErrors } from './errors';
import { findHostileString, freeTextFields } from './hostile-input';

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => m.replace(e.property, path));
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/**
 * The one global pipe: unknown fields are refused, values are transformed to the DTO's types.
 * Before any validator sees a value, strings no field may hold are refused (hostile-input.ts), and
 * a validator that throws instead of failing (a library bug on odd input) is a 400, never a 500.
 */
class SafeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const problem = findHostileString(value, freeTextFields(metadata.metatype), metadata.data);
      if (problem) throw CommonErrors.validation_failed({ message: [problem] });
    }
    try {
      return (await super.transform(value, metadata)) as unknown;
    } catch (e) {
      if (e instanceof HttpException) throw e;
      throw CommonErrors.validation_failed({
        message: [`${metadata.data ?? metadata.type} could not be validated`],
      });
    }
  }
}

export function createValidationPipe(): ValidationPipe {
  return new SafeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => CommonErrors.validation_failed({ message: flatten(errors) }),
  });
}
