import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class Relationships1795631774342 implements MigrationInterface {
  name = 'Relationships1795631774342';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "relationships" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(100) NOT NULL, "vendor" character varying(10) NOT NULL, "mode" character varying(20) NOT NULL, "settings" jsonb NOT NULL DEFAULT '{}', "status" character varying(10) NOT NULL, "status_checked_at" TIMESTAMP WITH TIME ZONE, "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_24a0adc61546bb031a900c2ef71" UNIQUE ("name"), CONSTRAINT "PK_ba20e2f5cf487408e08e4dcecaf" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "relationship_servers" ("relationship_id" uuid NOT NULL, "position" smallint NOT NULL, "server_id" uuid NOT NULL, "role" character varying(20) NOT NULL, "peer_name" character varying(100) NOT NULL, "settings" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_ec79e688eb5669b0253bb3edb08" PRIMARY KEY ("relationship_id", "position"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_relationship_servers_server" ON "relationship_servers"  ("server_id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "relationship_servers" ADD CONSTRAINT "FK_113ae4e2212ddaad1b043e4729f" FOREIGN KEY ("relationship_id") REFERENCES "relationships"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "relationship_servers" ADD CONSTRAINT "FK_aee0b635d9a89aa95fcfa54ed4d" FOREIGN KEY ("server_id") REFERENCES "servers"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "relationship_servers" DROP CONSTRAINT "FK_aee0b635d9a89aa95fcfa54ed4d"`,
    );
    await queryRunner.query(
      `ALTER TABLE "relationship_servers" DROP CONSTRAINT "FK_113ae4e2212ddaad1b043e4729f"`,
    );
    await queryRunner.query(`DROP INDEX "public"."ix_relationship_servers_server"`);
    await queryRunner.query(`DROP TABLE "relationship_servers"`);
    await queryRunner.query(`DROP TABLE "relationships"`);
  }
}
