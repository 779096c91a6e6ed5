import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A relationship's name on a server can be longer than 100 characters (Windows allows 126; dhcpd and Kea have no
 * limit): discovery of one made `GET /relationships` fail. The column is widened in place (TypeORM's generated
 * migration dropped and re-added it, losing every row's value).
 */
export class PeerNameLength1795707790009 implements MigrationInterface {
  name = 'PeerNameLength1795707790009';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "relationship_servers" ALTER COLUMN "peer_name" TYPE character varying(255)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "relationship_servers" ALTER COLUMN "peer_name" TYPE character varying(100)`,
    );
  }
}
