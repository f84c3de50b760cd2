import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../common/decorators/public.decorator';
import { CommonErrors } from '../common/errors';
import { opsConfig, OpsConfig } from '../config/config';
import { MetricsService } from './metrics.service';
import { MetricsErrors } from './metrics.errors';
import { ApiErrors } from '../common/decorators/api-errors.decorator';

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
  @ApiErrors(MetricsErrors.invalid_metrics_token, CommonErrors.not_found)
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    if (!this.expected) throw CommonErrors.not_found();
    const given = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    // Digests of equal length, so the comparison takes the same time whatever was sent.
    if (!given || !timingSafeEqual(digest(given), this.expected)) {
      throw MetricsErrors.invalid_metrics_token();
    }
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    return this.metrics.registry.metrics();
  }
}
