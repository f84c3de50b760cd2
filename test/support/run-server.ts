import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A process started by runEntry; `stdout`/`stderr` of the result are as they were when it resolved. */
export interface Running {
  kill: () => void;
  /** All output so far. */
  output: () => { stdout: string; stderr: string };
  /** SIGTERM, then waits until the process has exited. */
  stop: () => Promise<void>;
}

/**
 * Runs a TypeScript entry point of this project (`src/main.ts`, `src/cli.ts`) as its own process,
 * with exactly the given environment (plus PATH), until it exits or `until` matches its output.
 */
export function runEntry(
  entry: string,
  env: Record<string, string>,
  opts: {
    args?: string[];
    until?: RegExp;
    timeoutMs?: number;
    cwd?: string;
    /** tsconfig whose `paths` decide how package names resolve (default: the root one). */
    project?: string;
    /** Modules of this project (paths from its root) to load before the entry, after ts-node. */
    preload?: string[];
  } = {},
): Promise<ProcessResult & Running> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      require.resolve('ts-node/register/transpile-only'),
      // The root tsconfig maps nest-email-auth-client to its sources, so no build is needed.
      '-r',
      require.resolve('tsconfig-paths/register'),
      ...(opts.preload ?? []).flatMap((p) => ['-r', join(ROOT, p)]),
      join(ROOT, entry),
      ...(opts.args ?? []),
    ],
    {
      cwd: opts.cwd ?? ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        TS_NODE_PROJECT: opts.project ?? join(ROOT, 'tsconfig.json'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  const kill = () => child.kill('SIGTERM');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: Running = {
    kill,
    output: () => ({ stdout, stderr }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) kill();
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not finish in time.\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    const check = () => {
      if (opts.until && opts.until.test(stdout + stderr)) {
        clearTimeout(timer);
        resolve({ code: null, stdout, stderr, ...handle });
      }
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      check();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      check();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ...handle });
    });
  });
}
