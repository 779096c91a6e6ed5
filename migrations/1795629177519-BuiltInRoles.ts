import type { MigrationInterface, QueryRunner } from 'typeorm';

// Frozen copy of the seed's built-in roles as they were when this migration was written; a later change to
// src/permissions/built-in-roles.ts needs a migration of its own (a test compares the two).
const SCOPE_BITS = ['read-write-scope-options', 'edit-reservations', 'edit-address-pools', 'edit-exclusions'];
const ROLES = [
  {
    id: '00000000-0000-4000-8000-000000000001',
    name: 'Administrators',
    description: 'Everything, including who may do what (principals, API keys, roles, grants).',
    permissions: [
      'dhcp-administrator',
      'administer-access',
      'administer-dhcp-servers',
      'add-scope',
      ...SCOPE_BITS,
    ],
  },
  {
    id: '00000000-0000-4000-8000-000000000002',
    name: 'DHCP Administrators',
    description:
      'Manage failover relationships, add scopes to them, administer DHCP servers and replicate any scope.',
    permissions: ['dhcp-administrator', 'administer-dhcp-servers', 'add-scope', ...SCOPE_BITS],
  },
  {
    id: '00000000-0000-4000-8000-000000000003',
    name: 'IPAM Administrators',
    description: 'Edit and replicate scope content (options, reservations, address pools, exclusions).',
    permissions: [...SCOPE_BITS],
  },
];

export class BuiltInRoles1795629177519 implements MigrationInterface {
  name = 'BuiltInRoles1795629177519';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const role of ROLES) {
      await queryRunner.query(
        `INSERT INTO "roles" ("id", "name", "description", "built_in", "permissions", "version")
         VALUES ($1, $2, $3, true, $4, 1)`,
        [role.id, role.name, role.description, role.permissions],
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "roles" WHERE "id" = ANY($1)`, [ROLES.map((role) => role.id)]);
  }
}
