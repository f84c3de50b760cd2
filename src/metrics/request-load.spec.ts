import { RequestLoad } from './request-load';

/** Keeps the event loop busy for `ms` (what a flood of requests does). */
function spin(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}

const idle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RequestLoad', () => {
  it('is busy when requests came in while the event loop was busy, judged once per window', async () => {
    const load = new RequestLoad(50);
    load.busy(); // opens the first window
    load.started();
    spin(60);
    expect(load.busy()).toBe(true);
    // Within the window the judgement stands; in the next, no request came in: not busy.
    expect(load.busy()).toBe(true);
    spin(60);
    expect(load.busy()).toBe(false);
    await idle(1);
  });

  it('is not busy when requests come in to an idle loop', async () => {
    const load = new RequestLoad(50);
    load.busy();
    load.started();
    await idle(60);
    expect(load.busy()).toBe(false);
  });

  it('is not busy when the loop is busy with no request (background work alone)', () => {
    const load = new RequestLoad(50);
    load.busy();
    spin(60);
    expect(load.busy()).toBe(false);
  });
});
