import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** The tables whose names are unique, with the unique constraint the Initial migrations made on `name`. */
const TABLES = [
  { table: 'principals', constraint: 'UQ_09fd1e2c58012e3457e93d9446d', route: 'principals' },
  { table: 'roles', constraint: 'UQ_648e3f5447f725579d7d4ffdfb7', route: 'roles' },
  { table: 'servers', constraint: 'UQ_555671bf0b4b7ec59c9985532e1', route: 'servers' },
  { table: 'relationships', constraint: 'UQ_24a0adc61546bb031a900c2ef71', route: 'relationships' },
] as const;

/**
 * Names of principals, roles, servers and relationships are unique whatever their case (`Alice` and `alice` are one
 * name to the people and pipelines that use them), and kept as given: a unique index on lower(name) replaces the
 * case-sensitive constraint. TypeORM cannot describe an index on an expression, so this one is written by hand and
 * the entities declare it with `synchronize: false`.
 *
 * Rows that already differ in case only are not renamed (a pipeline may look them up by name): the migration stops,
 * changes nothing, and says which to rename; rename them with the version that made them, then start this one again.
 */
export class CaseInsensitiveNames1795720000000 implements MigrationInterface {
  name = 'CaseInsensitiveNames1795720000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const clashes: string[] = [];
    for (const { table, route } of TABLES) {
      const rows = (await queryRunner.query(
        `SELECT json_agg(json_build_object('id', id, 'name', name) ORDER BY name COLLATE "C", id) AS names
           FROM "${table}" GROUP BY lower(name) HAVING count(*) > 1 ORDER BY lower(name)`,
      )) as Array<{ names: Array<{ id: string; name: string }> }>;
      for (const { names } of rows) {
        clashes.push(
          `${table}: ${names.map(({ id, name }) => `"${name}" (/api/v1/${route}/${id})`).join(', ')}`,
        );
      }
    }
    if (clashes.length > 0) {
      throw new Error(
        'Names are now unique whatever their case, and these differ in case only:\n' +
          clashes.map((clash) => `  ${clash}\n`).join('') +
          'Rename all but one of each (PATCH with a new name; relationships: DELETE and create again), with the ' +
          'version of this service you ran before, then start this one again. Nothing was changed.',
      );
    }
    for (const { table, constraint } of TABLES) {
      await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${constraint}"`);
      await queryRunner.query(`CREATE UNIQUE INDEX "ux_${table}_name" ON "${table}" (lower("name"))`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const { table, constraint } of TABLES) {
      await queryRunner.query(`DROP INDEX "public"."ux_${table}_name"`);
      await queryRunner.query(`ALTER TABLE "${table}" ADD CONSTRAINT "${constraint}" UNIQUE ("name")`);
    }
  }
}
