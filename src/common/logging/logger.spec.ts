import { QueryFailedError } from 'typeorm';
import { serializeError } from './logger';

describe('serializeError', () => {
  it('keeps what explains a failed query but not its parameters, which may hold hashes', () => {
    const hash = '$2b$12$abcdefghijklmnopqrstuv';
    const e = new QueryFailedError('UPDATE users SET password_hash = $1 WHERE id = $2', [hash, 1], {
      message: 'connection terminated',
    } as Error);
    const out = serializeError(e);
    expect(out).toMatchObject({ type: 'QueryFailedError', message: 'connection terminated' });
    expect(out.query).toContain('UPDATE users');
    expect(JSON.stringify(out)).not.toContain(hash);
  });

  it("drops the embedded driver's params, on the error and under driverError", () => {
    const hash = '$pb1$$2b$10$abcdefghijklmnopqrstuvwxyz0123';
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint'), {
      query: 'INSERT INTO sessions (token_hash) VALUES ($1)',
      params: [hash],
      detail: `Key (token_hash)=(${hash}) already exists.`,
      code: '23505',
    });
    const e = new QueryFailedError(driverError.query, [hash], driverError);
    const out = serializeError(e);
    expect(out).toMatchObject({ type: 'QueryFailedError', code: '23505' });
    expect(JSON.stringify(out)).not.toContain(hash);
    expect(JSON.stringify(out)).not.toContain('abcdefghij');
  });
});
