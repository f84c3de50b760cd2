import { QueryFailedError } from 'typeorm';
import { mapException } from './map-exception';

function pgError(code: string): QueryFailedError {
  return new QueryFailedError('UPDATE t SET x = 1', [], Object.assign(new Error('boom'), { code }));
}

describe('mapException', () => {
  it.each(['40P01', '40001'])('answers a lost race (%s) 409 with Retry-After, not 500', (code) => {
    const mapped = mapException(pgError(code));
    expect(mapped.unexpected).toBe(false);
    expect(mapped.body).toMatchObject({ statusCode: 409, code: 'conflict' });
    expect(mapped.headers['Retry-After']).toBe('1');
    expect(JSON.stringify(mapped.body)).not.toMatch(/UPDATE|boom/);
  });

  it('still answers any other database error 500 with nothing of it', () => {
    const mapped = mapException(pgError('23505'));
    expect(mapped.unexpected).toBe(true);
    expect(mapped.body.statusCode).toBe(500);
  });
});
