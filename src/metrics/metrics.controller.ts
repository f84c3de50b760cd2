import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../common/decorators/public.decorator';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { AppError, NotFoundError } from '../common/errors';
import { opsConfig, OpsConfig } from '../config/config';
import { MetricsService } from './metrics.service';

export class InvalidMetricsTokenError extends AppError {
  constructor() {
    super(401, 'invalid_token', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.', {
      'WWW-Authenticate': 'Bearer',
      // It checked a token, and no cache may keep an answer that did.
      'Cache-Control': 'no-store',
    });
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

@ApiTags('operations')
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly expected?: Buffer;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(opsConfig.KEY) ops: OpsConfig,
  ) {
    this.expected = ops.metricsToken ? digest(ops.metricsToken) : undefined;
  }

  @Get()
  @ApiBearerAuth('metrics')
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'The Prometheus text format. Needs `Authorization: Bearer <METRICS_TOKEN>`; the route ' +
      'does not exist (404) while METRICS_TOKEN is unset.',
  })
  @ApiOkResponse({
    description: 'Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiUnauthorizedResponse({ description: 'invalid_token', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'METRICS_TOKEN is unset', type: ErrorResponseDto })
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    if (!this.expected) throw new NotFoundError();
    const given = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    // Digests of equal length, so the comparison takes the same time whatever was sent.
    if (!given || !timingSafeEqual(digest(given), this.expected)) {
      throw new InvalidMetricsTokenError();
    }
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    return this.metrics.registry.metrics();
  }
}
