import { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations';
import type { Settings } from '../config/settings';
import { createEmbeddedDriver, embeddedDir, EmbeddedEngine } from './embedded-driver';

/**
 * The one data source definition, used by the app (TypeOrmModule) and by the migration CLI.
 * `DATABASE_URL` set: PostgreSQL through `pg` with a pool. Unset: the embedded PGlite under DATA_DIR.
 */
export function dataSourceOptions(
  db: Settings['database'],
  /** The PGlite build for the embedded database (the current one unless upgrading). */
  engine?: EmbeddedEngine,
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    synchronize: false,
    migrations,
    migrationsRun: db.migrationsRun,
    migrationsTransactionMode: 'each' as const,
    uuidExtension: 'pgcrypto' as const,
    installExtensions: false,
    logging: false,
  };
  if (db.url) {
    return {
      ...common,
      url: db.url,
      poolSize: db.poolSize,
      connectTimeoutMS: 5000,
      extra: { keepAlive: true, idleTimeoutMillis: 30_000 },
    };
  }
  return { ...common, driver: createEmbeddedDriver({ dir: embeddedDir(db.dataDir), engine }) };
}
