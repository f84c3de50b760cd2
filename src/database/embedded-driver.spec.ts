import { mapException } from '../common/filters/map-exception';
import { Turnstile } from './embedded-driver';

describe('the embedded driver’s turnstile', () => {
  it('ends a wait that lasts too long with an error answered 503 with Retry-After', async () => {
    const turnstile = new Turnstile();
    await turnstile.acquire(1000);
    const waited = await turnstile.acquire(20).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(waited).toBeInstanceOf(Error);
    const mapped = mapException(waited);
    expect(mapped.body).toMatchObject({ statusCode: 503, code: 'database_unavailable' });
    expect(mapped.headers['Retry-After']).toBeDefined();
    turnstile.release();
  });
});
