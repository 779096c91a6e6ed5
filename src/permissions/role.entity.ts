import { Column, Entity } from 'typeorm';
import { VersionedEntity } from '../database/versioned.entity.js';
import type { Permission } from './permission.js';

@Entity({ name: 'roles' })
export class RoleEntity extends VersionedEntity {
  @Column({ type: 'varchar', length: 100, unique: true })
  name!: string;

  @Column({ type: 'varchar', length: 500, default: '' })
  description!: string;

  @Column({ name: 'built_in', type: 'boolean', default: false })
  builtIn!: boolean;

  @Column({ type: 'text', array: true })
  permissions!: Permission[];
}
