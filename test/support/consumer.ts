import { join } from 'node:path';
import { freePort } from './free-port';
import { runEntry } from './run-server';

const ROOT = join(__dirname, '..', '..');

/** The consumer (test/fixtures/consumer) in its own process, in front of the auth server. */
export async function startConsumer(authPort: number, env: Record<string, string> = {}) {
  const port = await freePort();
  const run = await runEntry(
    'test/fixtures/consumer/main.ts',
    { AUTH_URL: `http://127.0.0.1:${authPort}`, PORT: String(port), ...env },
    { until: /consumer ready/, project: join(ROOT, 'test/fixtures/consumer/tsconfig.json') },
  );
  if (run.code !== null) throw new Error(`consumer did not start: ${run.stderr}`);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    kill: run.kill,
    get: (path: string, token?: string) =>
      fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }),
  };
}
