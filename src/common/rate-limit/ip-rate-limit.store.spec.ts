import { MemoryIpRateLimitStore } from './ip-rate-limit.store';

describe('MemoryIpRateLimitStore', () => {
  const store = new MemoryIpRateLimitStore();
  afterAll(() => store.close());

  it('counts per key within a window and starts again when it ends', async () => {
    expect(await store.hit('a', 1000, 0)).toEqual({ hits: 1, resetInMs: 1000 });
    expect(await store.hit('a', 1000, 400)).toEqual({ hits: 2, resetInMs: 600 });
    expect(await store.hit('b', 1000, 400)).toEqual({ hits: 1, resetInMs: 1000 });
    expect(await store.hit('a', 1000, 1000)).toEqual({ hits: 1, resetInMs: 1000 });
  });
});
