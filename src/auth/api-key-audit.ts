import type { AuditActor, AuditEntry } from '../audit/audit.service.js';
import type { ApiKeyEntity } from './api-key.entity.js';

/**
 * The audit entry of an API key made, revoked or gone (with its principal): whose it is and its prefix (never the
 * key), plus `extra` (why it went).
 */
export function apiKeyEntry(
  action: 'api-key.created' | 'api-key.revoked' | 'api-key.deleted',
  key: ApiKeyEntity,
  actor: AuditActor,
  extra: Record<string, unknown> = {},
): AuditEntry {
  return {
    action,
    targetType: 'api-key',
    targetId: key.id,
    ...actor,
    details: { principalId: key.principalId, prefix: key.prefix, ...extra },
  };
}
