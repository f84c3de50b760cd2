import { PageInfoDto, PageQueryDto } from './dto/page-query.dto';
import { CommonErrors } from './errors';

/**
 * Remembers for a while which filters match more than the count limit, so that paging through a
 * broad filter counts once, not on every page. Only that answer is remembered: "more than N" stays
 * true while rows are added (the only writes of the history, and the common ones of the users), and
 * turns false only if most matches go within `ttlMs`; an exact count below the limit is never reused.
 * Per instance, bounded to `maxKeys` filters.
 */
export class OverCapMemory {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 1000,
  ) {}

  /** `count(atMost)`, or `atMost` without a query while `key` is remembered to reach it. */
  async count(
    key: string,
    atMost: number,
    count: (atMost: number) => Promise<number>,
  ): Promise<number> {
    if (this.ttlMs <= 0) return count(atMost);
    const seen = this.until.get(key);
    if (seen !== undefined && seen > this.now()) return atMost;
    const n = await count(atMost);
    this.until.delete(key);
    if (n >= atMost) {
      if (this.until.size >= this.maxKeys) this.until.delete(this.until.keys().next().value!);
      this.until.set(key, this.now() + this.ttlMs);
    }
    return n;
  }
}

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
    throw CommonErrors.validation_failed({
      message: [
        `page must be at most ${Math.ceil(countLimit / q.per_page)} with per_page ${q.per_page}: ` +
          `a list reaches its first ${countLimit} matches; narrow the filters to see others`,
      ],
    });
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
