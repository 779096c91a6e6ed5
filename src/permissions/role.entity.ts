import { Column, Entity, Index } from 'typeorm';
import { VersionedEntity } from '../database/versioned.entity.js';
import type { Permission } from './permission.js';

@Entity({ name: 'roles' })
// Made by migrations/*-CaseInsensitiveNames.ts: TypeORM cannot describe an index on an expression.
@Index('ux_roles_name', { synchronize: false })
export class RoleEntity extends VersionedEntity {
  /** Unique whatever its case (`ux_roles_name`, on lower(name)); kept as given. */
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 500, default: '' })
  description!: string;

  @Column({ name: 'built_in', type: 'boolean', default: false })
  builtIn!: boolean;

  @Column({ type: 'text', array: true })
  permissions!: Permission[];
}
