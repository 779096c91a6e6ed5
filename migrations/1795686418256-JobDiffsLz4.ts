import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Job diffs are large (a 1,000-scope ISC replication saves ~14 MB before its write) and compressed by Postgres
 * (TOAST) as they are saved: lz4 does that in about 60% of pglz's time and keeps them smaller. Where the server was
 * built without lz4 (the embedded PGlite), the column keeps the default. TypeORM does not model compression, so this
 * is a migration of its own, not one generated from the entities.
 */
export class JobDiffsLz41795686418256 implements MigrationInterface {
  name = 'JobDiffsLz41795686418256';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(setCompression('lz4'));
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(setCompression('default'));
  }
}

function setCompression(method: 'lz4' | 'default'): string {
  return `DO $$
BEGIN
  EXECUTE 'ALTER TABLE "job_diffs" ALTER COLUMN "diff" SET COMPRESSION ${method}';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
  RAISE NOTICE 'job_diffs.diff keeps its compression: this server does not support ${method}';
END $$`;
}
