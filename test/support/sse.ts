import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * A Server-Sent Events reader over a raw HTTP request (so a test sees exactly what a proxy
 * would): collects the events and comment lines, and waits for one that matches.
 */
export class SseReader {
  readonly events: SseEvent[] = [];
  comments = 0;
  closed = false;
  private buf = '';
  private waiters: (() => void)[] = [];

  private constructor(
    readonly res: IncomingMessage,
    private readonly abort: () => void,
  ) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => this.feed(chunk));
    res.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(url: string, key?: string): Promise<SseReader> {
    return new Promise((resolve, reject) => {
      const req = request(url, {
        headers: {
          accept: 'text/event-stream',
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
      });
      req.on('response', (res) => resolve(new SseReader(res, () => req.destroy())));
      req.on('error', reject);
      req.end();
    });
  }

  private feed(chunk: string): void {
    this.buf += chunk;
    let i: number;
    while ((i = this.buf.indexOf('\n\n')) >= 0) {
      const block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments++;
        else if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (data) this.events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  /** Resolves with the first event (from `from` on) that matches; fails after `timeoutMs`. */
  async waitFor(
    match: (e: SseEvent) => boolean,
    opts: { from?: number; timeoutMs?: number } = {},
  ): Promise<SseEvent> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      const found = this.events.slice(opts.from ?? 0).find(match);
      if (found) return found;
      if (this.closed) throw new Error('the stream closed');
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no matching event; got ${JSON.stringify(this.events)}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Waits until the stream has closed. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the stream stayed open');
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  close(): void {
    this.abort();
  }
}
