import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class JobDiffs1795659813563 implements MigrationInterface {
  name = 'JobDiffs1795659813563';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "job_diffs" ("job_id" uuid NOT NULL, "key" character varying(200) NOT NULL, "diff" json NOT NULL, CONSTRAINT "PK_c89661787c7dc7f2efb4fe33568" PRIMARY KEY ("job_id", "key"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "job_diffs" ADD CONSTRAINT "FK_50c912f3f9be156c7cb68198c47" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Diffs saved before this migration move from the job's details to the new table.
    await queryRunner.query(
      `INSERT INTO "job_diffs" ("job_id", "key", "diff") SELECT "jobs"."id", "diffs"."key", "diffs"."value"::json FROM "jobs", jsonb_each("jobs"."details"->'diffs') AS "diffs" WHERE jsonb_typeof("jobs"."details"->'diffs') = 'object'`,
    );
    await queryRunner.query(
      `UPDATE "jobs" SET "details" = NULLIF("details" - 'diffs', '{}'::jsonb) WHERE jsonb_typeof("details"->'diffs') = 'object'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "jobs" SET "details" = jsonb_set(COALESCE("jobs"."details", '{}'::jsonb), '{diffs}', "moved"."diffs") FROM (SELECT "job_id", jsonb_object_agg("key", "diff"::jsonb) AS "diffs" FROM "job_diffs" GROUP BY "job_id") AS "moved" WHERE "jobs"."id" = "moved"."job_id"`,
    );
    await queryRunner.query(`ALTER TABLE "job_diffs" DROP CONSTRAINT "FK_50c912f3f9be156c7cb68198c47"`);
    await queryRunner.query(`DROP TABLE "job_diffs"`);
  }
}
