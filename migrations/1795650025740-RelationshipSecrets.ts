import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class RelationshipSecrets1795650025740 implements MigrationInterface {
  name = 'RelationshipSecrets1795650025740';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "relationships" ADD "sealed_secrets" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "relationships" DROP COLUMN "sealed_secrets"`);
  }
}
