import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseConfig, DatabaseConfig } from '../config/config';
import { dataSourceOptions } from './data-source';
import { DataDirInUseError } from './embedded-driver';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (db: DatabaseConfig) => ({
        ...dataSourceOptions(db),
        autoLoadEntities: true,
        retryAttempts: db.url ? 5 : 0,
        retryDelay: 2000,
        // A folder held by another process will not free itself: fail at once with the reason.
        toRetry: (err: unknown) => !(err instanceof DataDirInUseError),
      }),
    }),
  ],
})
export class DatabaseModule {}
