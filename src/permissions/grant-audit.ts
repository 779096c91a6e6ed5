import type { Actor } from '../auth/actor.js';
import type { AuditEntry } from '../audit/audit.service.js';
import type { GrantEntity } from './grant.entity.js';

/** The audit entry of a grant that is gone: deleted through the API, or with the server it was on (`reason`). */
export function grantDeletedEntry(grant: GrantEntity, actor: Actor, reason?: string): AuditEntry {
  return {
    action: 'grant.deleted',
    targetType: 'grant',
    targetId: grant.id,
    ...actor,
    details: {
      principalId: grant.principalId,
      roleId: grant.roleId,
      permissions: grant.permissions,
      ...(reason ? { reason } : {}),
    },
  };
}
