import { Column, Entity } from 'typeorm';
import { VersionedEntity } from '../database/versioned.entity.js';

export const PRINCIPAL_KINDS = ['user', 'service'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** Someone or something that calls the API: a person or a service account. */
@Entity({ name: 'principals' })
export class PrincipalEntity extends VersionedEntity {
  @Column({ type: 'varchar', length: 100, unique: true })
  name!: string;

  @Column({ type: 'varchar', length: 10 })
  kind!: PrincipalKind;

  @Column({ type: 'varchar', length: 500, default: '' })
  description!: string;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;
}
