/** The throwaway database the scale benchmark seeds and measures (BENCH_PG, BENCH_DB). */
export const BENCH_SERVER = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
export const BENCH_DB = process.env.BENCH_DB ?? 'bench_scale';

export function benchUrl(): string {
  const url = new URL(BENCH_SERVER);
  url.pathname = `/${BENCH_DB}`;
  return url.toString();
}
