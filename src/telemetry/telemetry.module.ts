import { Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { shutdownTracing } from './spans';

/** Sends the spans still buffered when the app closes (after the mail worker's last send). */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return shutdownTracing();
  }
}

@Module({ providers: [TracingShutdown] })
export class TelemetryModule {}
