import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity.js';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string;
  principalId: string | null;
  correlationId: string | null;
  details?: Record<string, unknown>;
}

/** Who an entry names: a request's principal, or the service itself (principalId null, e.g. at first start). */
export type AuditActor = Pick<AuditEntry, 'principalId' | 'correlationId'>;

/** Records changes in the audit trail, inside the caller's transaction so the record and the change agree. */
@Injectable()
export class AuditService {
  async record(manager: EntityManager, entry: AuditEntry): Promise<void> {
    await manager.insert(AuditEventEntity, { ...entry, details: (entry.details ?? {}) as never });
  }
}

/** Short digest of a state, so the trail shows that (and when) something changed without copying it. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}
