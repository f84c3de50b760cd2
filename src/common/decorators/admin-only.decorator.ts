import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminGuard } from '../guards/admin.guard';
import { MfaRolesGuard } from '../guards/mfa-roles.guard';
import { ErrorResponseDto } from '../dto/error-response.dto';

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
    ApiUnauthorizedResponse({ description: 'No valid session', type: ErrorResponseDto }),
    ApiForbiddenResponse({
      description:
        'forbidden: the caller is not an admin or root; mfa_required: MFA_REQUIRED_ROLES names ' +
        "the caller's role and the session did not pass a second factor",
      type: ErrorResponseDto,
    }),
  );
