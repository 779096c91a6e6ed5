import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ServerEntity } from '../servers/server.entity.js';
import { RelationshipEntity } from './relationship.entity.js';

/** The longest name on a server this service records (Windows allows 126; dhcpd and Kea have no limit). */
export const PEER_NAME_MAX = 255;

/** One of the two servers of a relationship, with its role there. */
@Entity({ name: 'relationship_servers' })
@Index('ix_relationship_servers_server', ['serverId'])
export class RelationshipServerEntity {
  @PrimaryColumn({ name: 'relationship_id', type: 'uuid' })
  relationshipId!: string;

  /** 0 or 1: the order the caller gave. */
  @PrimaryColumn({ type: 'smallint' })
  position!: number;

  @ManyToOne(() => RelationshipEntity, (relationship) => relationship.servers, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'relationship_id' })
  relationship?: Relation<RelationshipEntity>;

  @Column({ name: 'server_id', type: 'uuid' })
  serverId!: string;

  // A registered server cannot be unregistered while a relationship names it.
  @ManyToOne(() => ServerEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'server_id' })
  server?: Relation<ServerEntity>;

  @Column({ type: 'varchar', length: 20 })
  role!: string;

  /**
   * The server's name inside the relationship (Kea: this-server-name; ISC: the peer's name; Windows: the
   * relationship's name, up to 126 characters there).
   */
  @Column({ name: 'peer_name', type: 'varchar', length: PEER_NAME_MAX })
  peerName!: string;

  @Column({ type: 'jsonb', default: {} })
  settings!: Record<string, unknown>;
}
