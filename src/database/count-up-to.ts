/**
 * SQL counting the rows of `query` but reading at most `atMost` of them ($n, appended to
 * `params`): the cost of a count is bounded by the cap instead of by the number of matches.
 * `query` must not have its own ORDER BY or LIMIT.
 */
export function countUpToSql(query: string, params: unknown[], atMost: number): string {
  params.push(atMost);
  return `SELECT count(*)::int AS n FROM (${query} LIMIT $${params.length}) AS capped`;
}
