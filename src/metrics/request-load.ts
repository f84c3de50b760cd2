import { performance } from 'node:perf_hooks';

/**
 * Whether this instance is busy answering requests: requests came in over the last `windowMs` or
 * so and the event loop was more than 80 % used meanwhile. Background work (webhook deliveries)
 * gives way while it is, so the requests keep their speed. Requests that arrived, not requests
 * open: a service's event stream stays open for hours.
 */
export class RequestLoad {
  private requests = 0;
  private window = { at: 0, requests: 0, mark: performance.eventLoopUtilization(), busy: false };

  constructor(private readonly windowMs = 100) {}

  /** One more request came in (the HTTP middleware). */
  started(): void {
    this.requests++;
  }

  /** Judged again once per window, so it costs a comparison in between. */
  busy(): boolean {
    const now = performance.now();
    if (now - this.window.at >= this.windowMs) {
      const mark = performance.eventLoopUtilization();
      const used = performance.eventLoopUtilization(mark, this.window.mark).utilization;
      const busy = this.requests > this.window.requests && used > 0.8;
      this.window = { at: now, requests: this.requests, mark, busy };
    }
    return this.window.busy;
  }
}
