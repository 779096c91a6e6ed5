import { Column, Entity, Index, OneToMany, type Relation } from 'typeorm';
import { VersionedEntity } from '../database/versioned.entity.js';
import type { FailoverMode } from '../vendors/driver.js';
import type { Vendor } from '../vendors/vendor.js';
import { RelationshipServerEntity } from './relationship-server.entity.js';

export const RELATIONSHIP_STATUSES = ['empty', 'normal', 'unknown', 'impaired', 'down'] as const;
export type RelationshipStatus = (typeof RELATIONSHIP_STATUSES)[number];

/** A failover relationship this service manages: the record of what it configured on two servers. */
@Entity({ name: 'relationships' })
// Made by migrations/*-CaseInsensitiveNames.ts: TypeORM cannot describe an index on an expression.
@Index('ux_relationships_name', { synchronize: false })
export class RelationshipEntity extends VersionedEntity {
  /** Unique whatever its case (`ux_relationships_name`, on lower(name)); kept as given. */
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 10 })
  vendor!: Vendor;

  @Column({ type: 'varchar', length: 20 })
  mode!: FailoverMode;

  /** Relationship-wide vendor settings, in the API's names. */
  @Column({ type: 'jsonb', default: {} })
  settings!: Record<string, unknown>;

  /**
   * Found configured on the servers (made outside this service) and not adopted yet: shown, but not changed by this
   * service until adopted.
   */
  @Column({ type: 'boolean', default: false })
  discovered!: boolean;

  /** The status last observed on the servers (lists show this; GET of one relationship refreshes it). */
  @Column({ type: 'varchar', length: 10 })
  status!: RelationshipStatus;

  @Column({ name: 'status_checked_at', type: 'timestamptz', nullable: true })
  statusCheckedAt!: Date | null;

  /** Vendor secrets of the relationship (Windows: the failover shared secret), sealed; never returned. */
  @Column({ name: 'sealed_secrets', type: 'text', nullable: true })
  sealedSecrets!: string | null;

  @OneToMany(() => RelationshipServerEntity, (member) => member.relationship, { cascade: true, eager: true })
  servers!: Relation<RelationshipServerEntity[]>;
}

/** A relationship's two servers in the order they were given (position 0 first): the order every answer uses. */
export function membersInOrder(
  relationship: Pick<RelationshipEntity, 'servers'>,
): RelationshipServerEntity[] {
  return [...relationship.servers].sort((a, b) => a.position - b.position);
}
