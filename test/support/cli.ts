import { PassThrough } from 'node:stream';
import { runTransferCommand } from '../../src/cli-transfer';
import type { TestApp } from './test-app';

/** Runs a CLI command (`npm run cli -- <argv>`) in-process on the test app: exit code and output. */
export async function cli(t: TestApp, ...argv: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await runTransferCommand(t.app, argv[0], argv.slice(1), { out, err });
  return { code, stdout, stderr };
}
