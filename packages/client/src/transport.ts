import * as http from 'node:http';
import * as https from 'node:https';

export interface TransportAnswer {
  status: number;
  body: string;
}

/** One GET with headers; rejects when the server cannot be reached or is slower than `timeoutMs`. */
export type Transport = (
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
) => Promise<TransportAnswer>;

/**
 * Node's http(s) module over one kept-alive Agent: connections are reused across checks (no TCP
 * or TLS handshake per request), and up to `maxSockets` checks run at once.
 */
export function agentTransport(base: URL, maxSockets = 64): { send: Transport; close: () => void } {
  const mod = base.protocol === 'https:' ? https : http;
  const agent = new mod.Agent({ keepAlive: true, maxSockets, scheduling: 'lifo' });
  const send: Transport = (url, headers, timeoutMs) =>
    new Promise((resolve, reject) => {
      const req = mod.get(url, { agent, headers, timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  return { send, close: () => agent.destroy() };
}

/** Node's fetch (undici's global dispatcher, which keeps connections alive too). */
export function fetchTransport(): { send: Transport; close: () => void } {
  const send: Transport = async (url, headers, timeoutMs) => {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  };
  return { send, close: () => undefined };
}
