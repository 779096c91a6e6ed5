import { type DataSource, type Migration, MigrationExecutor } from 'typeorm';

/** Arbitrary fixed key for pg_advisory_lock: every instance of this service agrees on it. */
export const MIGRATION_LOCK_KEY = 0x0dfc_0001;

/**
 * A migration that failed: start-up stops at once on it. Trying again (as for a database not up yet) would fail the
 * same way, after the connection retries' ~30 s and under their "unable to connect" message.
 */
export class MigrationFailedError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'MigrationFailedError';
  }
}

/**
 * Applies pending migrations while holding a session advisory lock, so instances starting together take turns:
 * the first migrates, the others wait and then find nothing pending. The migrations run on the connection that
 * holds the lock, so this also works with a pool of one connection (the embedded default).
 */
export async function migrateUnderLock(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      return await executor.executePendingMigrations().catch((error: unknown) => {
        throw new MigrationFailedError(error);
      });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
