import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { SCOPE_PARTS, type ScopePart } from '../vendors/scope-content.js';

export const SCOPE_OUTCOME_STATES = [
  'replaced',
  'unchanged',
  'skipped',
  'failed',
  'would-replace',
  'writing',
] as const;

/** One scope of a replication job, in its `outcome.scopes["<relationshipId>/<network>"]`. */
export class ReplicationScopeOutcomeDto {
  /** The relationship the scope was replicated in. */
  relationshipId!: string;
  /** The scope's network address. */
  network!: string;
  /** The server the scope was copied from. */
  sourceServerId!: string;
  /** The server the scope was written to. */
  destinationServerId!: string;
  /**
   * `replaced` written, `unchanged` already equal, `skipped` not replicated (see `reason`), `failed` refused (see
   * `reason`; a dry run reports so what the write would refuse before writing anything), `would-replace` a dry run's
   * finding; `writing` only while a write is in flight (or was, when a worker died: the next attempt resolves it).
   * Its diff is in `details.diffs` under the same key (`?include=details`).
   */
  @ApiProperty({ enum: SCOPE_OUTCOME_STATES })
  state!: (typeof SCOPE_OUTCOME_STATES)[number];
  /** Why a scope was skipped or failed, in the server's or the service's words. */
  reason?: string;
  /** Parts the caller holds no bit for, left as the destination has them. */
  @ApiPropertyOptional({ enum: SCOPE_PARTS, isArray: true })
  partsLeftAlone?: ScopePart[];
  /** What of the source's replaced parts the destination's vendor cannot take without the parts left alone, and why. */
  notCopied?: string;
  /**
   * What keeps the two copies from failing over whatever the replication writes (Kea: their subnet ids differ, and
   * a write keeps the destination's), with the calls that fix it.
   */
  outOfStep?: string;
}

/** Milliseconds one leg (source to destination server) spent in each phase. */
export class ReplicationLegTimingsDto {
  /** Milliseconds waiting for both servers' locks (one change at a time per server). */
  lockWait?: number;
  /** Milliseconds reading both servers' scopes. */
  read?: number;
  /** Milliseconds comparing them. */
  diff?: number;
  /** Milliseconds saving the diffs to the job (runs beside the write). */
  save?: number;
  /** Milliseconds writing the destination server. */
  write?: number;
  /** Milliseconds of the whole leg; a phase not reached is absent. */
  total!: number;
}

/** A replication job's `outcome` (`GET /jobs/{id}`), filled in as the job runs. */
export class ReplicationOutcomeDto {
  /** Each scope's outcome by `<relationshipId>/<network>`. */
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(ReplicationScopeOutcomeDto) },
  })
  scopes!: Record<string, ReplicationScopeOutcomeDto>;
  /** Each leg's phase timings by `<relationshipId>/<destinationServerId>`. */
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(ReplicationLegTimingsDto) },
  })
  timings!: Record<string, ReplicationLegTimingsDto>;
}
