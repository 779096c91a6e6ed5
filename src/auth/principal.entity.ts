import { Column, Entity, Index } from 'typeorm';
import { VersionedEntity } from '../database/versioned.entity.js';

export const PRINCIPAL_KINDS = ['user', 'service'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** Someone or something that calls the API: a person or a service account. */
@Entity({ name: 'principals' })
// Made by migrations/*-CaseInsensitiveNames.ts: TypeORM cannot describe an index on an expression.
@Index('ux_principals_name', { synchronize: false })
export class PrincipalEntity extends VersionedEntity {
  /** Unique whatever its case (`ux_principals_name`, on lower(name)); kept as given. */
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 10 })
  kind!: PrincipalKind;

  @Column({ type: 'varchar', length: 500, default: '' })
  description!: string;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;
}
