import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeriodicJob } from './periodic-job';

/** A run that lasts until the test lets it finish. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('PeriodicJob', () => {
  const logger = new Logger('PeriodicJobSpec');
  beforeEach(() => jest.spyOn(logger, 'warn').mockImplementation(() => undefined));

  it('runs on its schedule and runs no more once stopped', async () => {
    let runs = 0;
    const job = new PeriodicJob(logger, 'counting', async () => {
      runs++;
    });
    job.start({ everyMs: 5, firstAfterMs: 0 });
    await sleep(60);
    await job.stop();
    const atStop = runs;
    expect(atStop).toBeGreaterThanOrEqual(2);
    await sleep(40);
    expect(runs).toBe(atStop);
  });

  it('waits everyMs before the first run unless told otherwise', async () => {
    let runs = 0;
    const job = new PeriodicJob(logger, 'late', async () => {
      runs++;
    });
    job.start({ everyMs: 10_000 });
    await sleep(30);
    await job.stop();
    expect(runs).toBe(0);
  });

  it('awaits the run in flight at stop, and aborts its signal', async () => {
    const g = gate();
    let started = false;
    let finished = false;
    let abortedAtEnd: boolean | undefined;
    const job = new PeriodicJob(logger, 'slow', async (signal) => {
      started = true;
      await g.opened;
      abortedAtEnd = signal.aborted;
      finished = true;
    });
    job.start({ everyMs: 1000, firstAfterMs: 0 });
    while (!started) await sleep(1);
    expect(job.busy).toBe(true);
    let stopped = false;
    const stopping = job.stop().then(() => (stopped = true));
    await sleep(20);
    expect(stopped).toBe(false); // still waiting for the run
    g.open();
    await stopping;
    expect(finished).toBe(true);
    expect(abortedAtEnd).toBe(true);
    expect(job.busy).toBe(false);
  });

  it('never overlaps itself: the next wait starts when a run ends', async () => {
    let inFlight = 0;
    let most = 0;
    let runs = 0;
    const job = new PeriodicJob(logger, 'overlapping', async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(30); // much longer than the interval
      inFlight--;
      runs++;
    });
    job.start({ everyMs: 1, firstAfterMs: 0 });
    await sleep(100);
    await job.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(most).toBe(1);
  });

  it('logs a failed run and tries again on the next', async () => {
    let runs = 0;
    const job = new PeriodicJob(logger, 'flaky', async () => {
      runs++;
      if (runs === 1) throw new Error('database away');
    });
    job.start({ everyMs: 5, firstAfterMs: 0 });
    while (runs < 2) await sleep(1);
    await job.stop();
    expect(logger.warn).toHaveBeenCalledWith({ msg: 'flaky failed', err: 'Error: database away' });
  });

  it('ignores a second start, and stops (and starts again) cleanly', async () => {
    let runs = 0;
    const job = new PeriodicJob(logger, 'twice', async () => {
      runs++;
    });
    await job.stop(); // never started: nothing to wait for
    job.start({ everyMs: 20, firstAfterMs: 0 });
    job.start({ everyMs: 1, firstAfterMs: 0 });
    await sleep(30);
    await job.stop();
    expect(runs).toBeLessThanOrEqual(3); // a 1 ms schedule would have run many more times
    expect(runs).toBeGreaterThanOrEqual(1);
    job.start({ everyMs: 1000, firstAfterMs: 0 });
    while (runs < 2) await sleep(1);
    await job.stop();
  });

  it('spreads the waits by the jitter, and no further', async () => {
    let runs = 0;
    const job = new PeriodicJob(logger, 'jittered', async () => {
      runs++;
    });
    const waits = jest.spyOn(global, 'setTimeout');
    const random = jest.spyOn(Math, 'random');
    try {
      random.mockReturnValue(0); // the shortest wait: everyMs × (1 - jitter)
      job.start({ everyMs: 1000, jitter: 0.25 });
      random.mockReturnValue(0.999999); // the longest: everyMs × (1 + jitter)
      await job.stop();
      job.start({ everyMs: 1000, jitter: 0.25 });
      await job.stop();
      expect(waits.mock.calls.map((c) => c[1])).toEqual([750, 1250]);
      expect(runs).toBe(0);
    } finally {
      waits.mockRestore();
      random.mockRestore();
    }
  });
});
