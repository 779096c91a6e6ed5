import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { TimeRangeQuery } from '../common/http/time-range-query.js';
import type { JobRecordEntity } from './job-record.entity.js';
import { JOB_STATES, type JobState } from './job-state.js';

export class JobQuery extends TimeRangeQuery {
  /** Only jobs in this state. */
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
  /** Items done so far (a replication: scopes). */
  done!: number;
  /** Items the job has in all; 0 until the job knows. */
  total!: number;
}

/** A job as callers poll it: our own state, never the queue's. */
export class JobDto {
  /** The job's id, for `GET /jobs/{id}`. */
  id!: string;
  /** The job type. */
  name!: string;
  /** `queued` and `running` change; `succeeded`, `failed`, `partially_succeeded` and `cancelled` are final. */
  @ApiProperty({ enum: JOB_STATES })
  state!: JobState;
  /** How far the job has come. */
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
  /** Why the job failed, or why some of its items did; `null` otherwise. */
  error!: string | null;
  /** Runs so far, 1 on the first; a failed run is retried with backoff, 5 runs at most. */
  attempts!: number;
  /** A cancel was asked for; the job stops before its next write. */
  cancelRequested!: boolean;
  /** The principal that asked for the job; `null` for the service itself. */
  requestedBy!: string | null;
  /** When the job was queued. */
  createdAt!: Date;
  /** When the job first started running; `null` while queued. */
  startedAt!: Date | null;
  /** When the job reached a final state; `null` until then. */
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
