import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../common/http/pagination.js';
import type { AuditEventEntity } from './audit-event.entity.js';

export class AuditEventQuery extends PageQuery {
  /** e.g. `server`, `principal`, `grant`. */
  @IsOptional()
  @Matches(/^[a-z-]{1,50}$/, { message: 'targetType must be a lower-case word such as server' })
  targetType?: string;

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

  /** Only events at or after this time (ISO 8601). */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'since must be an ISO 8601 date-time' })
  since?: Date;

  /** Only events before this time (ISO 8601). */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'until must be an ISO 8601 date-time' })
  until?: Date;
}

export class AuditEventDto {
  id!: string;
  at!: Date;
  /** Who made the change (null for the service itself). */
  principalId!: string | null;
  action!: string;
  targetType!: string;
  targetId!: string;
  /** The request id (or job id) that caused it. */
  correlationId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: Record<string, unknown>;

  static from(entity: AuditEventEntity): AuditEventDto {
    const { id, at, principalId, action, targetType, targetId, correlationId, details } = entity;
    return { id, at, principalId, action, targetType, targetId, correlationId, details };
  }
}
