import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { TimeRangeQuery } from '../common/http/time-range-query.js';
import type { AuditEventEntity } from './audit-event.entity.js';

export class AuditEventQuery extends TimeRangeQuery {
  /** e.g. `server`, `principal`, `grant`. */
  @IsOptional()
  @Matches(/^[a-z-]{1,50}$/, { message: 'targetType must be a lower-case word such as server' })
  targetType?: string;

  /** Only events about this target (its id, e.g. a server's). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  targetId?: string;

  /** Who made the changes. */
  @IsOptional()
  @IsUUID()
  principalId?: string;

  /** e.g. `server.registered`. */
  @IsOptional()
  @Matches(/^[a-z.-]{1,100}$/, { message: 'action must look like server.registered' })
  action?: string;
}

export class AuditEventDto {
  /** The event's id. */
  id!: string;
  /** When the change was made. */
  at!: Date;
  /** Who made the change (null for the service itself). */
  principalId!: string | null;
  /** What was done, e.g. `server.registered` or `grant.deleted`. */
  action!: string;
  /** The kind of thing changed, e.g. `server`, `principal`, `grant`. */
  targetType!: string;
  /** The id of the thing changed. */
  targetId!: string;
  /** The request id (or job id) that caused it. */
  correlationId!: string | null;
  /** What changed, by action, with secrets left out. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: Record<string, unknown>;

  static from(entity: AuditEventEntity): AuditEventDto {
    const { id, at, principalId, action, targetType, targetId, correlationId, details } = entity;
    return { id, at, principalId, action, targetType, targetId, correlationId, details };
  }
}
