import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class JobDetails1795639142030 implements MigrationInterface {
  name = 'JobDetails1795639142030';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "jobs" ADD "details" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "jobs" DROP COLUMN "details"`);
  }
}
