import * as http from 'node:http';
import * as https from 'node:https';

export type StreamEvent =
  | { type: 'revoke'; sessionId: string; userId: string }
  | { type: 'user'; userId: string }
  | { type: 'reset' };

export interface StreamHandlers {
  /** An event; `reset` also means the stream is (again) up and can be trusted. */
  event(e: StreamEvent): void;
  /** The stream dropped: nothing can be trusted until the next `reset`. */
  down(): void;
}

/** No byte for this long (the server sends a comment every 10 s): the connection is dead. */
const SILENCE_MS = 35_000;

/** 200 ms doubling to 10 s, with jitter so that many services do not reconnect in step. */
function backoffMs(attempt: number): number {
  const base = Math.min(10_000, 200 * 2 ** Math.min(attempt, 6));
  return base / 2 + Math.random() * (base / 2);
}

/**
 * Follows the auth server's `GET /events/sessions` (Server-Sent Events) and reconnects by itself
 * with backoff. Written over the http module rather than an EventSource so that the service key
 * goes in a header and a drop is noticed (and reported) at once.
 */
export class ChangeStream {
  private req?: http.ClientRequest;
  private attempt = 0;
  private timer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private closed = false;
  private up = false;

  constructor(
    private readonly url: URL,
    private readonly serviceKey: string,
    private readonly handlers: StreamHandlers,
  ) {}

  start(): void {
    this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    this.req?.destroy();
  }

  private connect(): void {
    if (this.closed) return;
    const mod = this.url.protocol === 'https:' ? https : http;
    const req = mod.get(this.url, {
      headers: { authorization: `Bearer ${this.serviceKey}`, accept: 'text/event-stream' },
    });
    this.req = req;
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return this.dropped(req);
      }
      res.setEncoding('utf8');
      let buf = '';
      this.alive(req);
      res.on('data', (chunk: string) => {
        this.alive(req);
        buf += chunk.replace(/\r\n?/g, '\n');
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          this.dispatch(buf.slice(0, i));
          buf = buf.slice(i + 2);
        }
      });
      res.on('close', () => this.dropped(req));
      res.on('error', () => this.dropped(req));
    });
    req.on('error', () => this.dropped(req));
  }

  private alive(req: http.ClientRequest): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => req.destroy(new Error('silent')), SILENCE_MS);
    this.watchdog.unref();
  }

  private dispatch(block: string): void {
    let type = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    let payload: { session_id?: unknown; user_id?: number | string } = {};
    try {
      payload = data ? (JSON.parse(data) as typeof payload) : {};
    } catch {
      type = 'reset'; // an event we cannot read: treat it as a gap
    }
    if (type === 'revoke' && typeof payload.session_id === 'string') {
      this.handlers.event({
        type: 'revoke',
        sessionId: payload.session_id,
        userId: String(payload.user_id),
      });
    } else if (type === 'user' && payload.user_id !== undefined) {
      this.handlers.event({ type: 'user', userId: String(payload.user_id) });
    } else if (type === 'reset') {
      this.up = true;
      this.attempt = 0;
      this.handlers.event({ type: 'reset' });
    }
    // Unknown event types come from a newer server: ignored, as SSE prescribes.
  }

  private dropped(req: http.ClientRequest): void {
    if (this.req !== req) return;
    this.req = undefined;
    clearTimeout(this.watchdog);
    req.destroy();
    this.up = false;
    this.handlers.down();
    if (this.closed) return;
    this.timer = setTimeout(() => this.connect(), backoffMs(this.attempt++));
    this.timer.unref();
  }
}
