import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { Role } from '../../common/auth-user';
import { PageQueryDto } from '../../common/dto/page-query.dto';

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

export class ListUsersQueryDto extends PageQueryDto {
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
