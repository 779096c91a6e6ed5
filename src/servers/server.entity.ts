import { Column, Entity, Index } from 'typeorm';
import { VersionedEntity } from '../database/versioned.entity.js';
import type { Vendor } from '../vendors/vendor.js';

/** A registered DHCP server: how to reach it. Credentials live sealed in `secrets`, never in `connection`. */
@Entity({ name: 'servers' })
// Made by migrations/*-CaseInsensitiveNames.ts: TypeORM cannot describe an index on an expression.
@Index('ux_servers_name', { synchronize: false })
@Index('ix_servers_vendor', ['vendor'])
export class ServerEntity extends VersionedEntity {
  /** Unique whatever its case (`ux_servers_name`, on lower(name)); kept as given. */
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 10 })
  vendor!: Vendor;

  @Column({ type: 'varchar', length: 253 })
  address!: string;

  @Column({ type: 'varchar', length: 500, default: '' })
  description!: string;

  /** Non-secret connection settings for the vendor's transport. */
  @Column({ type: 'jsonb' })
  connection!: Record<string, unknown>;

  /** AES-256-GCM sealed JSON object of secret settings (passwords, private keys), bound to the row id. */
  @Column({ name: 'sealed_secrets', type: 'text', nullable: true })
  sealedSecrets!: string | null;

  /** Names of the secrets held, so the API can say which are set without revealing them. */
  @Column({ name: 'secret_names', type: 'text', array: true, default: '{}' })
  secretNames!: string[];
}
