import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../dto/error-response.dto';
import { IpRateLimitGuard } from '../rate-limit/ip-rate-limit.guard';

/**
 * Puts the route under the shared per-IP limit (IP_RATE_LIMIT per IP_RATE_WINDOW): login, register,
 * confirm, resend and forgot-password share one count per address. Guard and docs in one.
 */
export const IpRateLimit = () =>
  applyDecorators(
    UseGuards(IpRateLimitGuard),
    ApiTooManyRequestsResponse({
      description: 'Too many requests from this address (see Retry-After)',
      type: ErrorResponseDto,
    }),
  );
