import { applyDecorators, UseGuards } from '@nestjs/common';
import { CommonErrors } from '../errors';
import { IpRateLimitGuard } from '../rate-limit/ip-rate-limit.guard';
import { ApiErrors } from './api-errors.decorator';

/**
 * Puts the route under the shared per-IP limit (IP_RATE_LIMIT per IP_RATE_WINDOW): login, register,
 * confirm, resend and forgot-password share one count per address. Guard and docs in one.
 */
export const IpRateLimit = () =>
  applyDecorators(UseGuards(IpRateLimitGuard), ApiErrors(CommonErrors.too_many_requests));
