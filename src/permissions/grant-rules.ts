import type { FieldError } from '../common/problem/problem-details.js';
import type { CreateGrantDto } from './grant.dto.js';
import { PERMISSION_LEVEL, type PermissionLevel } from './permission.js';
import type { ResourceType } from './resource.js';

/** Which permission levels a directly granted bit may have on each resource type. */
const LEVELS_ON: Record<ResourceType, readonly PermissionLevel[]> = {
  global: ['global', 'server', 'scope'],
  server: ['server'],
  'server-scopes': ['scope'],
  scope: ['scope'],
};

/**
 * The rules class-validator cannot say: the resource's fields must fit its type, and a bit granted directly must
 * make sense there (a scope bit on a server would be confused with the server bit of the same name; use
 * `server-scopes`).
 */
export function grantShapeErrors(dto: CreateGrantDto): FieldError[] {
  const errors: FieldError[] = [];
  const { type, serverId, network } = dto.resource;
  if (!dto.roleId && !dto.permissions?.length) {
    errors.push({ field: 'permissions', message: 'give a roleId, or at least one permission' });
  }
  if (type === 'global' && serverId) {
    errors.push({ field: 'resource.serverId', message: 'a global grant names no server; remove serverId' });
  }
  if (type !== 'global' && !serverId) {
    errors.push({ field: 'resource.serverId', message: `a ${type} grant needs serverId` });
  }
  if (type === 'scope' && !network) {
    errors.push({
      field: 'resource.network',
      message: 'a scope grant needs the scope network, e.g. 10.1.2.0',
    });
  }
  if (type !== 'scope' && network) {
    errors.push({ field: 'resource.network', message: 'only a scope grant names a network; remove network' });
  }
  for (const permission of dto.permissions ?? []) {
    const level = PERMISSION_LEVEL[permission];
    if (!LEVELS_ON[type].includes(level)) {
      errors.push({
        field: 'permissions',
        message:
          level === 'scope'
            ? `"${permission}" is a scope-level bit; grant it on server-scopes, scope or global`
            : `"${permission}" is a ${level}-level permission and cannot be granted on a ${type} resource`,
      });
    }
  }
  return errors;
}
