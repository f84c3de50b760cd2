import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * How much lower than the server's own threads bcrypt runs (Linux nice, 0..19). bcrypt is pure CPU
 * and deliberately slow; at equal priority four logins in flight take every core from the event
 * loop, so token checks (the hot path) wait behind them. Lowered, bcrypt still uses every idle
 * cycle (login throughput is unchanged on an idle machine) but yields to request handling.
 */
const BCRYPT_NICE = 10;

/**
 * Runs in each worker: lowers the priority of its own thread (Linux: /proc/thread-self names the
 * thread id, and setpriority on a thread id affects only that thread), then does bcrypt jobs.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  require('node:os').setPriority(tid, workerData.nice);
} catch { /* not Linux, or not allowed: run at normal priority */ }
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', ({ id, op, a, b }) => {
  try {
    const result = op === 'hash' ? bcrypt.hashSync(a, b) : bcrypt.compareSync(a, b);
    parentPort.postMessage({ id, result });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  }
});`;

interface Job {
  id: number;
  op: 'hash' | 'compare';
  a: string;
  b: string | number;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/** A small pool of low-priority worker threads for bcrypt, one per core, started on first use. */
export class BcryptPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;

  constructor(private readonly size = Math.max(1, availableParallelism())) {}

  hash(data: string, cost: number): Promise<string> {
    return this.run('hash', data, cost) as Promise<string>;
  }

  compare(data: string, hash: string): Promise<boolean> {
    return this.run('compare', data, hash) as Promise<boolean>;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('bcrypt pool closed'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private run(op: Job['op'], a: string, b: string | number): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('bcrypt pool closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, op, a, b, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, op: job.op, a: job.a, b: job.b });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { bcryptPath: require.resolve('bcrypt'), nice: BCRYPT_NICE },
    });
    const slot: Slot = { worker };
    // An idle worker must not keep the process alive; a busy one holds it until its job is done.
    worker.unref();
    worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const job = slot.job;
      slot.job = undefined;
      worker.unref();
      if (job && job.id === m.id) {
        if (m.error !== undefined) job.reject(new Error(m.error));
        else job.resolve(m.result);
      }
      this.dispatch();
    });
    const fail = (e: Error) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      slot.job?.reject(e);
      slot.job = undefined;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`bcrypt worker exited (${code})`)));
    this.slots.push(slot);
    return slot;
  }
}
