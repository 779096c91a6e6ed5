import type { AuditActor, AuditEntry } from '../audit/audit.service.js';
import type { GrantEntity } from './grant.entity.js';

/**
 * The audit entry of a grant made or gone (deleted through the API, or with the server it was on): who holds it and
 * what it gives, plus `extra` (the resource it was made on, why it went).
 */
export function grantEntry(
  action: 'grant.created' | 'grant.deleted',
  grant: GrantEntity,
  actor: AuditActor,
  extra: Record<string, unknown> = {},
): AuditEntry {
  return {
    action,
    targetType: 'grant',
    targetId: grant.id,
    ...actor,
    details: {
      principalId: grant.principalId,
      roleId: grant.roleId,
      permissions: grant.permissions,
      ...extra,
    },
  };
}
