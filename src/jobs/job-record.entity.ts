import { Column, Entity, Index } from 'typeorm';
import { VersionedEntity } from '../database/versioned.entity.js';
import type { JobState } from './job-state.js';

/**
 * The durable record of a job and the truth for its state, progress and outcome. The queue message carries only
 * this row's id.
 */
@Entity({ name: 'jobs' })
@Index('ix_jobs_state', ['state'])
@Index('ux_jobs_idempotency', ['requestedBy', 'idempotencyKey'], { unique: true })
export class JobRecordEntity extends VersionedEntity {
  @Column({ type: 'varchar', length: 50 })
  queue!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 30, default: 'queued' })
  state!: JobState;

  /** What was asked, as validated at request time. */
  @Column({ type: 'jsonb' })
  request!: Record<string, unknown>;

  @Column({ name: 'progress_done', type: 'integer', default: 0 })
  progressDone!: number;

  @Column({ name: 'progress_total', type: 'integer', default: 0 })
  progressTotal!: number;

  /** Per-item outcome, filled in as the job runs. */
  @Column({ type: 'jsonb', default: {} })
  outcome!: Record<string, unknown>;

  /**
   * Large per-item detail, kept apart from `outcome` so that polling a job stays cheap; read only when asked for.
   * Per-item diffs (replication: each scope's) have a table of their own (JobDiffEntity) and are served here as
   * `diffs`.
   */
  @Column({ type: 'jsonb', nullable: true, select: false })
  details!: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'requested_by', type: 'uuid', nullable: true })
  requestedBy!: string | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'cancel_requested', type: 'boolean', default: false })
  cancelRequested!: boolean;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
