import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { TimeRangeQuery } from '../common/http/time-range-query.js';
import type { JobRecordEntity } from './job-record.entity.js';
import { JOB_STATES, type JobState } from './job-state.js';

export class JobQuery extends TimeRangeQuery {
  @ApiPropertyOptional({ enum: JOB_STATES })
  @IsOptional()
  @IsIn(JOB_STATES)
  state?: JobState;

  /** The job type, e.g. `replicate`. */
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{0,99}$/, { message: 'name must be a job type such as replicate' })
  name?: string;

  /** Replications: only this kind (`scope`, `relationship`, `server`). */
  @ApiPropertyOptional({ enum: ['scope', 'relationship', 'server'] })
  @IsOptional()
  @IsIn(['scope', 'relationship', 'server'])
  kind?: string;

  /** Only jobs about this server, as source or destination (a relationship or server replication: its partners too). */
  @IsOptional()
  @IsUUID()
  serverId?: string;

  /** Only jobs about this relationship (a server replication: each relationship of the server it covers). */
  @IsOptional()
  @IsUUID()
  relationshipId?: string;

  /** Only jobs this principal asked for. */
  @IsOptional()
  @IsUUID()
  requestedBy?: string;
}

export class JobReadQuery {
  /** `details`: add the job's large per-item detail (replication: each scope's diff). */
  @ApiPropertyOptional({ enum: ['details'] })
  @IsOptional()
  @IsIn(['details'])
  include?: 'details';
}

export class JobProgressDto {
  done!: number;
  total!: number;
}

/** A job as callers poll it: our own state, never the queue's. */
export class JobDto {
  id!: string;
  /** The job type. */
  name!: string;
  @ApiProperty({ enum: JOB_STATES })
  state!: JobState;
  progress!: JobProgressDto;
  /** What was asked. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  request!: Record<string, unknown>;
  /** Per-item outcome, filled in as the job runs (a replication's: the ReplicationOutcomeDto schema). */
  @ApiProperty({ type: 'object', additionalProperties: true })
  outcome!: Record<string, unknown>;
  /**
   * Only with `?include=details`: large per-item detail (replication: `diffs`, each scope's diff by key; a diff saved
   * as both servers' declarations (ISC to ISC) is made when first read, and says so in `error` if it cannot be).
   */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  details?: Record<string, unknown> | null;
  error!: string | null;
  attempts!: number;
  /** A cancel was asked for; the job stops before its next write. */
  cancelRequested!: boolean;
  requestedBy!: string | null;
  createdAt!: Date;
  startedAt!: Date | null;
  finishedAt!: Date | null;
  /** From start to finish (or to now while running). */
  durationMs!: number | null;

  static from(entity: JobRecordEntity): JobDto {
    const end = entity.finishedAt ?? (entity.startedAt ? new Date() : null);
    return {
      id: entity.id,
      name: entity.name,
      state: entity.state,
      progress: { done: entity.progressDone, total: entity.progressTotal },
      request: entity.request,
      outcome: entity.outcome,
      ...(entity.details !== undefined ? { details: entity.details } : {}),
      error: entity.error,
      attempts: entity.attempts,
      cancelRequested: entity.cancelRequested,
      requestedBy: entity.requestedBy,
      createdAt: entity.createdAt,
      startedAt: entity.startedAt,
      finishedAt: entity.finishedAt,
      durationMs: entity.startedAt && end ? end.getTime() - entity.startedAt.getTime() : null,
    };
  }
}
