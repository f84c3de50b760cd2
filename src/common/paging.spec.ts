import { PageQueryDto } from './dto/page-query.dto';
import { CommonErrors } from './errors';
import { OverCapMemory, readPage } from './paging';

const query = (page: number, per_page: number): PageQueryDto => ({ page, per_page });
const rowsOf = (n: number) => async () => Array.from({ length: n }, (_, i) => i);

describe('readPage', () => {
  it('takes the total from a page that is not full, without counting', async () => {
    const count = jest.fn(async () => 0);
    const { items, info } = await readPage(query(3, 10), 1000, rowsOf(4), count);
    expect(items).toHaveLength(4);
    expect(info).toEqual({ total_count: 24, total_count_exact: true, page: 3, per_page: 10 });
    expect(count).not.toHaveBeenCalled();
  });

  it('counts at most one past the limit and says when the count stopped', async () => {
    const count = jest.fn(async (atMost: number) => atMost);
    const { info } = await readPage(query(1, 10), 100, rowsOf(10), count);
    expect(count).toHaveBeenCalledWith(101);
    expect(info).toMatchObject({ total_count: 100, total_count_exact: false });
  });

  it('counts an empty page past the end, so the total stays known', async () => {
    const { info } = await readPage(query(9, 10), 100, rowsOf(0), async () => 42);
    expect(info).toMatchObject({ total_count: 42, total_count_exact: true });
  });

  it('refuses a page that starts past the limit, naming the last page', async () => {
    const rows = jest.fn(rowsOf(0));
    await expect(readPage(query(11, 10), 100, rows, async () => 0)).rejects.toThrow(
      CommonErrors.validation_failed,
    );
    await expect(readPage(query(11, 10), 100, rows, async () => 0)).rejects.toMatchObject({
      detail: [expect.stringContaining('page must be at most 10 with per_page 10')],
    });
    expect(rows).not.toHaveBeenCalled();
    await readPage(query(10, 10), 100, rows, async () => 0);
    expect(rows).toHaveBeenCalledWith(90, 10);
  });
});

describe('OverCapMemory', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('counts a broad filter once while it is remembered, then again', async () => {
    const memory = new OverCapMemory(30_000, clock);
    const count = jest.fn(async (atMost: number) => atMost);
    expect(await memory.count('broad', 101, count)).toBe(101);
    now += 29_999;
    expect(await memory.count('broad', 101, count)).toBe(101);
    expect(count).toHaveBeenCalledTimes(1);
    now += 1;
    expect(await memory.count('broad', 101, count)).toBe(101);
    expect(count).toHaveBeenCalledTimes(2);
  });

  it('never reuses a count below the cap, and forgets a filter that fell below it', async () => {
    const memory = new OverCapMemory(30_000, clock);
    let matches = 50;
    const count = jest.fn(async (atMost: number) => Math.min(matches, atMost));
    expect(await memory.count('narrow', 101, count)).toBe(50);
    matches = 49;
    expect(await memory.count('narrow', 101, count)).toBe(49);
    matches = 500;
    expect(await memory.count('narrow', 101, count)).toBe(101);
    now += 30_000;
    matches = 7;
    expect(await memory.count('narrow', 101, count)).toBe(7);
    expect(await memory.count('narrow', 101, count)).toBe(7);
    expect(count).toHaveBeenCalledTimes(5);
  });

  it('keeps filters apart, remembers at most maxKeys of them, and can be turned off', async () => {
    const memory = new OverCapMemory(30_000, clock, 2);
    const count = jest.fn(async (atMost: number) => atMost);
    for (const key of ['a', 'b', 'c']) await memory.count(key, 11, count);
    expect(count).toHaveBeenCalledTimes(3);
    await memory.count('c', 11, count); // remembered
    await memory.count('a', 11, count); // the oldest, dropped for c
    expect(count).toHaveBeenCalledTimes(4);
    const off = new OverCapMemory(0, clock);
    await off.count('a', 11, count);
    await off.count('a', 11, count);
    expect(count).toHaveBeenCalledTimes(6);
  });
});
