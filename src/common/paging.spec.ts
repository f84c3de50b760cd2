import { PageQueryDto } from './dto/page-query.dto';
import { ValidationFailedError } from './errors';
import { readPage } from './paging';

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
      ValidationFailedError,
    );
    await expect(readPage(query(11, 10), 100, rows, async () => 0)).rejects.toMatchObject({
      detail: [expect.stringContaining('page must be at most 10 with per_page 10')],
    });
    expect(rows).not.toHaveBeenCalled();
    await readPage(query(10, 10), 100, rows, async () => 0);
    expect(rows).toHaveBeenCalledWith(90, 10);
  });
});
