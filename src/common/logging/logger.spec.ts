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
});
