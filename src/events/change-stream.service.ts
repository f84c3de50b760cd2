import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { PeriodicJob } from '../common/periodic-job';
import { ChangeEvent, ChangeSignal } from './change-event';
import { ChangeEvents } from './change-events.service';
import { EventsErrors } from './events.errors';

/** Streams promise a comment line at least every 15 s; 10 s leaves room for a busy event loop. */
export const HEARTBEAT_MS = 10_000;

function frame(e: ChangeEvent): string {
  const { type, ...data } = e;
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The open `GET /events/sessions` streams. Each starts with `reset` (it cannot vouch for what
 * came before it); when this instance stops hearing changes, every stream is ended, so that no
 * service keeps a cache that nobody evicts.
 */
@Injectable()
export class ChangeStreamService implements OnModuleInit, OnModuleDestroy {
  private readonly streams = new Set<ServerResponse>();
  private unsubscribe?: () => void;
  private readonly heartbeat = new PeriodicJob(
    new Logger(ChangeStreamService.name),
    'change stream heartbeat',
    async () => this.write(': heartbeat\n\n'),
  );

  constructor(private readonly events: ChangeEvents) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((s) => this.onSignal(s));
    this.heartbeat.start({ everyMs: HEARTBEAT_MS });
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.heartbeat.stop();
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  /** Node's own response (what every HTTP platform wraps), not the framework's. */
  open(res: ServerResponse): void {
    if (!this.events.isLive) throw EventsErrors.events_unavailable();
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'keep-alive');
    // nginx (and proxies that honour it) would otherwise hold events back in a buffer.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.write(`retry: 1000\n${frame({ type: 'reset' })}`);
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
  }

  private onSignal(s: ChangeSignal): void {
    if (s.type === 'down') {
      for (const res of this.streams) res.end();
      this.streams.clear();
      return;
    }
    this.write(frame(s));
  }

  private write(chunk: string): void {
    for (const res of this.streams) res.write(chunk);
  }
}
