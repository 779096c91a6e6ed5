import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class DiscoveredRelationships1795632737867 implements MigrationInterface {
  name = 'DiscoveredRelationships1795632737867';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "relationships" ADD "discovered" boolean NOT NULL DEFAULT false`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "relationships" DROP COLUMN "discovered"`);
  }
}
