import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminGuard } from '../guards/admin.guard';
import { ErrorResponseDto } from '../dto/error-response.dto';

/** Guard and Swagger metadata in one, so the document and the rule cannot drift apart. */
export const AdminOnly = () =>
  applyDecorators(
    UseGuards(AdminGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No valid session', type: ErrorResponseDto }),
    ApiForbiddenResponse({
      description: 'The caller is not an admin or root',
      type: ErrorResponseDto,
    }),
  );
