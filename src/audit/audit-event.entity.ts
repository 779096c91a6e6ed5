import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One change made through this service: who, what, when, on which object, with digests of before and after. */
@Entity({ name: 'audit_events' })
@Index('ix_audit_events_target', ['targetType', 'targetId'])
@Index('ix_audit_events_at', ['at'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  at!: Date;

  @Column({ name: 'principal_id', type: 'uuid', nullable: true })
  principalId!: string | null;

  /** Dotted verb, e.g. `server.created`, `grant.deleted`. */
  @Column({ type: 'varchar', length: 100 })
  action!: string;

  @Column({ name: 'target_type', type: 'varchar', length: 50 })
  targetType!: string;

  @Column({ name: 'target_id', type: 'varchar', length: 200 })
  targetId!: string;

  /** Request id or job id that caused the change. */
  @Column({ name: 'correlation_id', type: 'varchar', length: 100, nullable: true })
  correlationId!: string | null;

  /** What changed, with secrets left out. */
  @Column({ type: 'jsonb', default: {} })
  details!: Record<string, unknown>;
}
