import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Role } from '../../common/auth-user';
import type { User } from '../user.entity';
import { isBlocked } from '../../common/user-status';

/** The fields of a user row the API may show (never the hash or the block reason). */
export type PublicUser = Omit<User, 'passwordHash' | 'blockReason'>;

/**
 * A user as the API shows it: never a hash, a code or a token. Every answer that holds a user
 * (GET /me, GET /users/{id}, the list, the admin's changes, the confirmation, GET /validate_token)
 * maps it here, so they all show the same fields; /me and /validate_token add their own beside them.
 */
export class UserResponseDto {
  @ApiProperty({ example: 1 })
  id: number;

  @ApiProperty({ example: 'ada@example.com' })
  email: string;

  @ApiProperty({ type: String, nullable: true, example: 'Ada' })
  name: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Lovelace' })
  surname: string | null;

  @ApiProperty({ enum: ['root', 'admin', 'user'] })
  role: Role;

  @ApiProperty()
  is_active: boolean;

  @ApiProperty()
  is_confirmed: boolean;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;

  @ApiPropertyOptional({ format: 'date-time', nullable: true })
  blocked_until?: string | null;

  @ApiPropertyOptional({ format: 'date-time', nullable: true })
  last_login_at?: string | null;

  @ApiProperty({ example: 'en', description: 'Language of the mail and pages' })
  locale: string;

  /** Reads only the public fields, so a partial row (the token check's join) will do. */
  static from(u: PublicUser): UserResponseDto {
    return {
      id: Number(u.id),
      email: u.email,
      name: u.name,
      surname: u.surname,
      role: u.role,
      // A block whose blocked_until has passed has lifted, even before the tidy-up job runs.
      is_active: !isBlocked(u),
      is_confirmed: u.isConfirmed,
      created_at: u.createdAt.toISOString(),
      updated_at: u.updatedAt.toISOString(),
      blocked_until: u.blockedUntil ? u.blockedUntil.toISOString() : null,
      last_login_at: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
      locale: u.locale,
    };
  }
}
