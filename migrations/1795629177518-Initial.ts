import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class Initial1795629177518 implements MigrationInterface {
  name = 'Initial1795629177518';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "principals" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(100) NOT NULL, "kind" character varying(10) NOT NULL, "description" character varying(500) NOT NULL DEFAULT '', "disabled" boolean NOT NULL DEFAULT false, "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_09fd1e2c58012e3457e93d9446d" UNIQUE ("name"), CONSTRAINT "PK_58c7b420eb803e39d754963719c" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "principal_id" uuid NOT NULL, "name" character varying(100) NOT NULL DEFAULT '', "prefix" character varying(16) NOT NULL, "digest" character(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_a2140b1f5fe610cdf82b28ab657" UNIQUE ("digest"), CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_api_keys_principal" ON "api_keys"  ("principal_id") `);
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "principal_id" uuid, "action" character varying(100) NOT NULL, "target_type" character varying(50) NOT NULL, "target_id" character varying(200) NOT NULL, "correlation_id" character varying(100), "details" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_audit_events_at" ON "audit_events"  ("at") `);
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_target" ON "audit_events"  ("target_type", "target_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "jobs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "queue" character varying(50) NOT NULL, "name" character varying(100) NOT NULL, "state" character varying(30) NOT NULL DEFAULT 'queued', "request" jsonb NOT NULL, "progress_done" integer NOT NULL DEFAULT '0', "progress_total" integer NOT NULL DEFAULT '0', "outcome" jsonb NOT NULL DEFAULT '{}', "error" text, "attempts" integer NOT NULL DEFAULT '0', "requested_by" uuid, "idempotency_key" character varying(200), "cancel_requested" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "version" integer NOT NULL, CONSTRAINT "PK_cf0a6c42b72fcc7f7c237def345" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_jobs_idempotency" ON "jobs"  ("requested_by", "idempotency_key") `,
    );
    await queryRunner.query(`CREATE INDEX "ix_jobs_state" ON "jobs"  ("state") `);
    await queryRunner.query(
      `CREATE TABLE "roles" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(100) NOT NULL, "description" character varying(500) NOT NULL DEFAULT '', "built_in" boolean NOT NULL DEFAULT false, "permissions" text array NOT NULL, "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_648e3f5447f725579d7d4ffdfb7" UNIQUE ("name"), CONSTRAINT "PK_c1433d71a4838793a49dcad46ab" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "servers" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(100) NOT NULL, "vendor" character varying(10) NOT NULL, "address" character varying(253) NOT NULL, "description" character varying(500) NOT NULL DEFAULT '', "connection" jsonb NOT NULL, "sealed_secrets" text, "secret_names" text array NOT NULL DEFAULT '{}', "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_555671bf0b4b7ec59c9985532e1" UNIQUE ("name"), CONSTRAINT "PK_c0947efd9f3db2dcc010164d20b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_servers_vendor" ON "servers"  ("vendor") `);
    await queryRunner.query(
      `CREATE TABLE "grants" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "principal_id" uuid NOT NULL, "role_id" uuid, "permissions" text array NOT NULL DEFAULT '{}', "resource_type" character varying(20) NOT NULL, "server_id" uuid, "network" character varying(15), "created_by" uuid, "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a25f5f89eff8b3277f7969b7094" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_grants_role" ON "grants"  ("role_id") `);
    await queryRunner.query(`CREATE INDEX "ix_grants_server" ON "grants"  ("server_id") `);
    await queryRunner.query(`CREATE INDEX "ix_grants_principal" ON "grants"  ("principal_id") `);
    await queryRunner.query(
      `ALTER TABLE "api_keys" ADD CONSTRAINT "FK_4ce092a301a20a62390a6342347" FOREIGN KEY ("principal_id") REFERENCES "principals"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "grants" ADD CONSTRAINT "FK_ee9a505ef01c8b25caafe965d64" FOREIGN KEY ("principal_id") REFERENCES "principals"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "grants" ADD CONSTRAINT "FK_6ad105ae2334a61cb9e149dfd39" FOREIGN KEY ("role_id") REFERENCES "roles"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "grants" ADD CONSTRAINT "FK_ffcc3fc54278f59f721c2c7bce3" FOREIGN KEY ("server_id") REFERENCES "servers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "grants" DROP CONSTRAINT "FK_ffcc3fc54278f59f721c2c7bce3"`);
    await queryRunner.query(`ALTER TABLE "grants" DROP CONSTRAINT "FK_6ad105ae2334a61cb9e149dfd39"`);
    await queryRunner.query(`ALTER TABLE "grants" DROP CONSTRAINT "FK_ee9a505ef01c8b25caafe965d64"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "FK_4ce092a301a20a62390a6342347"`);
    await queryRunner.query(`DROP INDEX "public"."ix_grants_principal"`);
    await queryRunner.query(`DROP INDEX "public"."ix_grants_server"`);
    await queryRunner.query(`DROP INDEX "public"."ix_grants_role"`);
    await queryRunner.query(`DROP TABLE "grants"`);
    await queryRunner.query(`DROP INDEX "public"."ix_servers_vendor"`);
    await queryRunner.query(`DROP TABLE "servers"`);
    await queryRunner.query(`DROP TABLE "roles"`);
    await queryRunner.query(`DROP INDEX "public"."ix_jobs_state"`);
    await queryRunner.query(`DROP INDEX "public"."ux_jobs_idempotency"`);
    await queryRunner.query(`DROP TABLE "jobs"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_target"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_at"`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`DROP INDEX "public"."ix_api_keys_principal"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
    await queryRunner.query(`DROP TABLE "principals"`);
  }
}
