import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseConfig, DatabaseConfig } from '../config/config';
import { dataSourceOptions } from './data-source';
import { DataDirInUseError, DataDirVersionError } from './database.errors';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (db: DatabaseConfig) => ({
        ...dataSourceOptions(db),
        autoLoadEntities: true,
        retryAttempts: db.url ? 5 : 0,
        retryDelay: 2000,
        // A folder held by another process, or written by another PostgreSQL, will not change by
        // itself: fail at once with the reason.
        toRetry: (err: unknown) =>
          !(err instanceof DataDirInUseError || err instanceof DataDirVersionError),
      }),
    }),
  ],
})
export class DatabaseModule {}
