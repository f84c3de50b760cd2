import { Logger, Module } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cryptoConfig, CryptoConfig, databaseConfig, DatabaseConfig } from '../config/config';
import { MAKE_KEY_HINT, parseKey } from '../config/encryption-key';
import { SecretBox } from './secret-box';

/**
 * The one SecretBox of the server, sealing secrets at rest with ENCRYPTION_KEY. Production never
 * gets here without the key (settings refuse the start). In development a key is made once into
 * DATA_DIR/encryption.key, so `npm start` needs no setup and restarts still open what was sealed;
 * instances that share a PostgreSQL database must be given one ENCRYPTION_KEY instead.
 */
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [cryptoConfig.KEY, databaseConfig.KEY],
      useFactory: (crypto: CryptoConfig, db: DatabaseConfig) =>
        new SecretBox(crypto.key ?? developmentKey(db), crypto.previousKeys),
    },
  ],
  exports: [SecretBox],
})
export class CryptoModule {}

function developmentKey(db: DatabaseConfig): Buffer {
  const file = join(db.dataDir, 'encryption.key');
  if (existsSync(file)) {
    const key = parseKey(readFileSync(file, 'utf8'));
    if (!key) throw new Error(`${file} holds no valid key: delete it or set ENCRYPTION_KEY`);
    return key;
  }
  const key = randomBytes(32);
  mkdirSync(db.dataDir, { recursive: true });
  try {
    writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process made it first: use theirs, so both seal with one key.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return developmentKey(db);
    throw e;
  }
  new Logger('Crypto').warn(
    `ENCRYPTION_KEY is not set: generated one into ${file} for development. ` +
      `Set ENCRYPTION_KEY (make one with ${MAKE_KEY_HINT}) in production and wherever ` +
      'several instances share a database.',
  );
  return key;
}
