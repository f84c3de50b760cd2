import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** /metrics; configureApp puts MetricsService's request timer in front of every route. */
@Module({
  imports: [MailModule],
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
