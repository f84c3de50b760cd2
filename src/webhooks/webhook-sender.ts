import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { CheckedDestination } from './webhook-destination';

/** What one attempt came to. */
export interface AttemptResult {
  /** The HTTP status, or null when none came (refused, timed out, connection failed). */
  status: number | null;
  /** Seconds the receiver asked us to wait (Retry-After), when it said. */
  retryAfterSeconds?: number;
  error?: string;
  timedOut?: boolean;
}

/**
 * The Standard Webhooks signature header: `v1,<base64 HMAC-SHA256>` per secret, space-separated
 * (the previous secret too, for 24 hours after a rotation), computed by the `standardwebhooks`
 * library itself over `<id>.<timestamp>.<body>`.
 */
export function signatureHeader(signers: Webhook[], msgId: string, at: Date, body: string): string {
  return signers.map((s) => s.sign(msgId, at, body)).join(' ');
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

/** Reads `Retry-After`: seconds or an HTTP date. */
function retryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/**
 * POSTs one signed body to the checked address (the URL's host name stays in Host and in TLS's
 * server name), following no redirect, within `timeoutMs` for the whole exchange. The answer's
 * body is read and dropped, at most 64 KiB of it.
 */
export function postWebhook(
  dest: CheckedDestination,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<AttemptResult> {
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: dest.address, family: dest.family },
      ]);
    } else callback(null, dest.address, dest.family);
  };
  const isHttps = dest.url.protocol === 'https:';
  return new Promise<AttemptResult>((resolve) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const req = (isHttps ? https : http).request(dest.url, {
      method: 'POST',
      agent: isHttps ? agents.https : agents.http,
      lookup: pinned,
      signal,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    });
    req.on('response', (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > 65_536) res.destroy();
      });
      const done = () =>
        resolve({
          status: res.statusCode ?? null,
          retryAfterSeconds: retryAfter(res.headers['retry-after']),
        });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.on('error', (e) => {
      const timedOut = signal.aborted;
      resolve({
        status: null,
        timedOut,
        error: timedOut ? `no answer within ${timeoutMs} ms` : e.message,
      });
    });
    req.end(body);
  });
}
