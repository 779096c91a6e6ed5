import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class IdempotencyRecords1795630779242 implements MigrationInterface {
  name = 'IdempotencyRecords1795630779242';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "idempotency_records" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "principal_id" uuid NOT NULL, "key" character varying(200) NOT NULL, "method" character varying(10) NOT NULL, "path" character varying(2048) NOT NULL, "request_digest" character(64) NOT NULL, "status_code" integer, "response_body" jsonb, "response_headers" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_9ae4e93699362b0d4e3da3dd1c2" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_idempotency_records_created" ON "idempotency_records"  ("created_at") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_idempotency_records_key" ON "idempotency_records"  ("principal_id", "key") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ux_idempotency_records_key"`);
    await queryRunner.query(`DROP INDEX "public"."ix_idempotency_records_created"`);
    await queryRunner.query(`DROP TABLE "idempotency_records"`);
  }
}
