import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A mutating request sent with `Idempotency-Key`, and the answer it got, so a retry gets the same answer. */
@Entity({ name: 'idempotency_records' })
@Index('ux_idempotency_records_key', ['principalId', 'key'], { unique: true })
@Index('ix_idempotency_records_created', ['createdAt'])
export class IdempotencyRecordEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'principal_id', type: 'uuid' })
  principalId!: string;

  @Column({ type: 'varchar', length: 200 })
  key!: string;

  @Column({ type: 'varchar', length: 10 })
  method!: string;

  @Column({ type: 'varchar', length: 2048 })
  path!: string;

  /** Keyed digest (SecretBox.digest) of the request body, to refuse the same key with a different request. */
  @Column({ name: 'request_digest', type: 'char', length: 64 })
  requestDigest!: string;

  /** Null while the first request is still being handled. */
  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ name: 'response_body', type: 'jsonb', nullable: true })
  responseBody!: unknown;

  @Column({ name: 'response_headers', type: 'jsonb', default: {} })
  responseHeaders!: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
