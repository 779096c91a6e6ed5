import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { MigrationFailedError, migrateUnderLock } from './migrate.js';

/** TypeORM on Postgres; pending migrations are applied at start-up under an advisory lock. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      // Embedded: every client shares PGlite's one session, so the pool holds one connection.
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.database.url, config.database.embedded ? { poolSize: 1 } : {}),
        // A database not reachable yet is tried again; a migration that failed would fail the same way.
        toRetry: (error: unknown) => !(error instanceof MigrationFailedError),
      }),
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        await migrateUnderLock(dataSource);
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
