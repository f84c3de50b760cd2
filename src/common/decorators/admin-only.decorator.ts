import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { CommonErrors } from '../errors';
import { AdminGuard } from '../guards/admin.guard';
import { MfaRolesGuard } from '../guards/mfa-roles.guard';
import { ApiErrors } from './api-errors.decorator';

export const ADMIN_ONLY = 'auth:admin-only';

/**
 * Guard and Swagger metadata in one, so the document and the rule cannot drift apart. The metadata
 * lets a denial by any guard on the route be recorded as `access_denied` (AuditedRouteGuard).
 */
export const AdminOnly = () =>
  applyDecorators(
    SetMetadata(ADMIN_ONLY, true),
    UseGuards(AdminGuard, MfaRolesGuard),
    ApiBearerAuth(),
    ApiErrors(CommonErrors.invalid_token, CommonErrors.forbidden, CommonErrors.mfa_required),
  );
