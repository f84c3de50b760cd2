interface Waiting<K, V> {
  key: K;
  resolve: (v: V | undefined) => void;
  reject: (e: unknown) => void;
}

/**
 * Coalesces lookups that arrive while the database is busy into one query. At most `maxInFlight`
 * queries run at once; a lookup that arrives when all are busy waits for the next one, which takes
 * every lookup queued by then. Nothing is cached or shared with a query already running, so every
 * answer reflects the database as it was after the request arrived. At low load each lookup goes
 * out alone at once; under load this saves most round trips and most of the database's work.
 */
export class LookupBatcher<K, V> {
  private readonly queue: Waiting<K, V>[] = [];
  private inFlight = 0;

  constructor(
    private readonly fetch: (keys: K[]) => Promise<Map<K, V>>,
    private readonly maxInFlight: number,
    private readonly maxBatch = 128,
  ) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ key, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.fetch([...new Set(batch.map((w) => w.key))])
        .then(
          (found) => batch.forEach((w) => w.resolve(found.get(w.key))),
          (e: unknown) => batch.forEach((w) => w.reject(e)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
