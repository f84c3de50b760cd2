import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { MayOmit } from '../../common/decorators/may-omit.decorator';
import { FreeText } from '../../common/hostile-input';

const trimLower = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** An address as accounts use it: at most 254 characters, compared lower-case. */
export const EmailField = () =>
  applyDecorators(
    ApiProperty({ example: 'ada@example.com', maxLength: 254 }),
    Transform(trimLower),
    IsEmail({}, { message: 'email must be an email address' }),
    MaxLength(254),
  );

export const CodeField = () =>
  applyDecorators(
    ApiProperty({ example: '012345', description: 'The 6-digit code from the mail' }),
    IsString(),
    Matches(/^\d{6}$/, { message: 'code must be 6 digits' }),
  );

export const LinkTokenField = () =>
  applyDecorators(
    ApiProperty({ description: 'The token of the link in the mail' }),
    IsString(),
    Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'token is malformed' }),
  );

/** Length and content are checked by PasswordPolicy (with a reason); here only a sane bound. */
export const PasswordField = (opts: { optional?: boolean; description?: string } = {}) =>
  applyDecorators(
    opts.optional
      ? ApiPropertyOptional({ description: opts.description, format: 'password' })
      : ApiProperty({ description: opts.description, format: 'password' }),
    ...(opts.optional ? [MayOmit()] : []),
    FreeText(),
    IsString(),
    MaxLength(4096),
  );
