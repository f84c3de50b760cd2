import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { Role } from '../../common/auth-user';

export const USER_SORTS = [
  'created_at',
  '-created_at',
  'email',
  '-email',
  'last_login_at',
  '-last_login_at',
] as const;
export type UserSort = (typeof USER_SORTS)[number];

/** 'true'/'false' in a query string to a boolean; anything else stays and fails validation. */
export const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ListUsersQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 15 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  per_page: number = 15;

  @ApiPropertyOptional({ description: 'Substring of email, name or surname (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  search?: string;

  @ApiPropertyOptional({ enum: ['root', 'admin', 'user'] })
  @IsOptional()
  @IsIn(['root', 'admin', 'user'])
  role?: Role;

  @ApiPropertyOptional({ type: Boolean, description: 'false lists blocked users' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  is_confirmed?: boolean;

  @ApiPropertyOptional({ enum: USER_SORTS, default: '-created_at' })
  @IsOptional()
  @IsIn(USER_SORTS)
  sort: UserSort = '-created_at';
}
