import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
  VersionColumn,
} from 'typeorm';
import { PrincipalEntity } from '../auth/principal.entity.js';
import { ServerEntity } from '../servers/server.entity.js';
import type { Permission } from './permission.js';
import type { ResourceType } from './resource.js';
import { RoleEntity } from './role.entity.js';

/** A principal holds a role, or some permission bits, on a resource. */
@Entity({ name: 'grants' })
@Index('ix_grants_principal', ['principalId'])
@Index('ix_grants_server', ['serverId'])
@Index('ix_grants_role', ['roleId'])
export class GrantEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'principal_id', type: 'uuid' })
  principalId!: string;

  @ManyToOne(() => PrincipalEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'principal_id' })
  principal?: Relation<PrincipalEntity>;

  @Column({ name: 'role_id', type: 'uuid', nullable: true })
  roleId!: string | null;

  @ManyToOne(() => RoleEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'role_id' })
  role?: Relation<RoleEntity>;

  /** Bits granted directly (besides or instead of a role). */
  @Column({ type: 'text', array: true, default: '{}' })
  permissions!: Permission[];

  @Column({ name: 'resource_type', type: 'varchar', length: 20 })
  resourceType!: ResourceType;

  @Column({ name: 'server_id', type: 'uuid', nullable: true })
  serverId!: string | null;

  @ManyToOne(() => ServerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'server_id' })
  server?: Relation<ServerEntity>;

  /** Scope network address for `scope` grants, e.g. `10.1.2.0`. */
  @Column({ type: 'varchar', length: 15, nullable: true })
  network!: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @VersionColumn()
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
