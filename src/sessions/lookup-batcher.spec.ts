import { LookupBatcher } from './lookup-batcher';

describe('LookupBatcher', () => {
  const deferred = () => {
    let resolve!: (m: Map<string, number>) => void;
    const promise = new Promise<Map<string, number>>((r) => (resolve = r));
    return { promise, resolve };
  };

  it('sends a lookup alone while a slot is free, and queues the rest into one query', async () => {
    const calls: { keys: string[]; done: ReturnType<typeof deferred> }[] = [];
    const batcher = new LookupBatcher<string, number>((keys) => {
      const done = deferred();
      calls.push({ keys, done });
      return done.promise;
    }, 1);
    const a = batcher.get('a');
    const b = batcher.get('b');
    const c = batcher.get('c');
    const b2 = batcher.get('b');
    expect(calls.map((c) => c.keys)).toEqual([['a']]);
    calls[0].done.resolve(new Map([['a', 1]]));
    expect(await a).toBe(1);
    await new Promise((r) => setImmediate(r)); // the freed slot is taken after the answers
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b', 'c']]);
    calls[1].done.resolve(new Map([['b', 2]]));
    expect([await b, await c, await b2]).toEqual([2, undefined, 2]);
  });

  it('fails every lookup of a failed query, and keeps working afterwards', async () => {
    let fail = true;
    const batcher = new LookupBatcher<string, number>(async (keys) => {
      if (fail) throw new Error('down');
      return new Map(keys.map((k) => [k, k.length]));
    }, 2);
    await expect(batcher.get('x')).rejects.toThrow('down');
    fail = false;
    expect(await batcher.get('xyz')).toBe(3);
  });
});
