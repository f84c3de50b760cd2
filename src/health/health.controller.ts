import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/decorators/public.decorator';
import { ReadinessService } from './readiness.service';

class HealthDto {
  @ApiProperty({ enum: ['ok', 'error'] })
  status: 'ok' | 'error';

  @ApiProperty({ enum: ['up', 'down'] })
  database: 'up' | 'down';
}

class LiveDto {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';
}

class ReadyDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'] })
  status: 'ok' | 'error' | 'shutting_down';

  @ApiProperty({ enum: ['up', 'down'] })
  database: 'up' | 'down';

  @ApiProperty({ enum: ['current', 'pending', 'unknown'] })
  migrations: 'current' | 'pending' | 'unknown';

  @ApiProperty({
    enum: ['ok', 'broken', 'unknown'],
    description:
      "The server's last check of the newest audit records' hash chain (`unknown` before the " +
      'first check or when it could not run). A broken chain does not make the server unready.',
  })
  audit_chain: 'ok' | 'broken' | 'unknown';

  @ApiPropertyOptional({
    description: 'When the chain is broken: the lowest id among the records that do not match',
    example: '812',
  })
  audit_chain_first_bad_id?: string;
}

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Is the server up and its database reachable?',
    description: '503 while the database does not answer.',
  })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ type: HealthDto, description: 'The database is down' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthDto> {
    const up = await this.readiness.databaseUp();
    if (!up) res.status(503);
    return { status: up ? 'ok' : 'error', database: up ? 'up' : 'down' };
  }

  @Get('live')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Liveness probe',
    description:
      '200 while the process runs; no database call, so a database outage never restarts it.',
  })
  @ApiOkResponse({ type: LiveDto })
  live(): LiveDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Readiness probe',
    description:
      '503 while the database is down, migrations are pending, or the server is shutting down ' +
      '(from the signal on, for SHUTDOWN_DELAY, before it stops taking connections). The body ' +
      "also tells the server's last check of the audit chain, which never makes it 503.",
  })
  @ApiOkResponse({ type: ReadyDto })
  @ApiServiceUnavailableResponse({ type: ReadyDto, description: 'Not ready: the body says why' })
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadyDto> {
    const r = await this.readiness.ready();
    if (r.status !== 'ok') res.status(503);
    return r;
  }
}
