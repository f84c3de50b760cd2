import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { MayOmit } from './decorators/may-omit.decorator';
import { FreeText } from './hostile-input';

/**
 * DTO fields that several modules share, so that one address, code or token is read the same way
 * everywhere.
 */

/**
 * The one email transform: trimmed, lower-cased and NFC, as accounts store and compare it. NFC,
 * because an address typed with a combining accent (u + U+0308) is the same address as its
 * precomposed form (ü), and must not become a second account.
 */
export const normalizeEmail = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase().normalize('NFC') : value;

/** A mailed code: 6 digits, leading zeros allowed. */
export const CODE_SHAPE = /^\d{6}$/;
/** A link token (and a session token): 256 bits, base64url. */
export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** An address as accounts use it: at most 254 characters, compared lower-case. */
export const EmailField = () =>
  applyDecorators(
    ApiProperty({ example: 'ada@example.com', maxLength: 254 }),
    Transform(normalizeEmail),
    IsEmail({}, { message: 'email must be an email address' }),
    MaxLength(254),
  );

export const CodeField = () =>
  applyDecorators(
    ApiProperty({ example: '012345', description: 'The 6-digit code from the mail' }),
    IsString(),
    Matches(CODE_SHAPE, { message: 'code must be 6 digits' }),
  );

export const LinkTokenField = () =>
  applyDecorators(
    ApiProperty({ description: 'The token of the link in the mail' }),
    IsString(),
    Matches(TOKEN_SHAPE, { message: 'token is malformed' }),
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
