import { loginWaitMs } from './login-throttle';

describe('loginWaitMs', () => {
  it('lets the first four failures through without a wait', () => {
    for (let n = 0; n < 5; n++) expect(loginWaitMs(n)).toBe(0);
  });

  it('makes each failure from the fifth wait twice as long as the one before', () => {
    expect([5, 6, 7, 8, 9].map(loginWaitMs)).toEqual([30_000, 60_000, 120_000, 240_000, 480_000]);
  });

  it('never waits longer than 15 minutes', () => {
    expect(loginWaitMs(10)).toBe(900_000);
    expect(loginWaitMs(1000)).toBe(900_000);
  });
});
