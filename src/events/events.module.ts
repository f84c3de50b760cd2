import { Global, Module } from '@nestjs/common';
import { ChangeEvents } from './change-events.service';
import { ChangeStreamService } from './change-stream.service';
import { EventsController } from './events.controller';
import { ServiceKeyGuard } from './service-key.guard';

/** Change events for every module that writes what a token check reads, and the SSE stream. */
@Global()
@Module({
  controllers: [EventsController],
  providers: [ChangeEvents, ChangeStreamService, ServiceKeyGuard],
  exports: [ChangeEvents],
})
export class EventsModule {}
