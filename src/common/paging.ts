import { PageInfoDto, PageQueryDto } from './dto/page-query.dto';
import { ValidationFailedError } from './errors';

/**
 * Reads one page of a list and its total, bounded whatever the number of matches: the page must
 * start within the first `countLimit` matches (so no OFFSET reads more than that), and the count
 * stops after `countLimit + 1` of them (`total_count_exact: false` beyond).
 *
 * `rows(offset, limit)` reads the page; `count(atMost)` counts matches, reading at most `atMost`.
 */
export async function readPage<T>(
  q: PageQueryDto,
  countLimit: number,
  rows: (offset: number, limit: number) => Promise<T[]>,
  count: (atMost: number) => Promise<number>,
): Promise<{ items: T[]; info: PageInfoDto }> {
  const offset = (q.page - 1) * q.per_page;
  if (offset >= countLimit) {
    throw new ValidationFailedError([
      `page must be at most ${Math.ceil(countLimit / q.per_page)} with per_page ${q.per_page}: ` +
        `a list reaches its first ${countLimit} matches; narrow the filters to see others`,
    ]);
  }
  const items = await rows(offset, q.per_page);
  // A page that is not full is the last one, so it tells the total without a second query.
  const lastPage = items.length < q.per_page && (items.length > 0 || offset === 0);
  const total = lastPage ? offset + items.length : await count(countLimit + 1);
  return {
    items,
    info: {
      total_count: Math.min(total, countLimit),
      total_count_exact: total <= countLimit,
      page: q.page,
      per_page: q.per_page,
    },
  };
}
