import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/decorators/public.decorator';
import { ChangeStreamService } from './change-stream.service';
import { ServiceKeyGuard } from './service-key.guard';
import { EventsErrors } from './events.errors';
import { ApiErrors } from '../common/decorators/api-errors.decorator';

@ApiTags('services')
@Controller('events')
export class EventsController {
  constructor(private readonly streams: ChangeStreamService) {}

  // Public to the session guard: services authenticate with a service key instead.
  @Public()
  @UseGuards(ServiceKeyGuard)
  @Get('sessions')
  @ApiBearerAuth('service-key')
  @ApiOperation({
    summary: 'Server-Sent Events: sessions that ended and users that changed',
    description:
      'For services holding one of SERVICE_KEYS (`Authorization: Bearer <key>`). Events: ' +
      '`revoke` `{"session_id","user_id"}` when a session ends; `user` `{"user_id"}` when anything ' +
      'a token check answers changes for that user (drop all its entries); `reset` at the start ' +
      'and whenever events may have been missed (drop everything). A comment line at least every ' +
      '15 s. Events of every instance reach every stream.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'The event stream (`text/event-stream`)' })
  @ApiErrors(EventsErrors.invalid_service_key, EventsErrors.events_unavailable)
  sessions(@Res() res: Response): void {
    this.streams.open(res);
  }
}
