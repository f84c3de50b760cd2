import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { appConfig, AppConfig } from '../config/config';
import { Clock } from './clock';
import { AllExceptionsFilter } from './filters/all-exceptions.filter';
import { ContentTypeGuard } from './guards/content-type.guard';
import { createLogger, PinoLoggerService } from './logging/logger';
import { createValidationPipe } from './validation.pipe';

/** The cross-cutting globals, registered as APP_* providers so tests get them too. */
@Global()
@Module({
  providers: [
    {
      provide: PinoLoggerService,
      inject: [appConfig.KEY],
      useFactory: (app: AppConfig) =>
        new PinoLoggerService(createLogger(app.logLevel, app.logFormat)),
    },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    ContentTypeGuard,
    // One clock for every rule that reads it, so a test that moves it moves it everywhere.
    Clock,
  ],
  exports: [PinoLoggerService, ContentTypeGuard, Clock],
})
export class CommonModule {}
