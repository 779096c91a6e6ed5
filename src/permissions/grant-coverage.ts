import { PERMISSION_LEVEL, type Permission } from './permission.js';
import type { Resource, ResourceType } from './resource.js';

/** A grant as the checker sees it: where it applies and which permissions it carries (role's and its own). */
export interface EffectiveGrant {
  resourceType: ResourceType;
  serverId: string | null;
  network: string | null;
  permissions: readonly Permission[];
}

/**
 * Whether `grant` gives `permission` on `resource`. A permission only counts at its own level: a global
 * permission needs a global grant; a server permission a global grant or one on that server; a scope permission a
 * global grant, a grant on the server or on all its scopes, or one on that very scope. Server-level bits never
 * stand in for scope-level bits (the seed insists).
 */
export function grantCovers(grant: EffectiveGrant, permission: Permission, resource: Resource): boolean {
  if (!grant.permissions.includes(permission)) {
    return false;
  }
  if (grant.resourceType === 'global') {
    return true;
  }
  const level = PERMISSION_LEVEL[permission];
  if (level === 'global' || resource.type === 'global' || grant.serverId !== resource.serverId) {
    return false;
  }
  if (level === 'server') {
    return grant.resourceType === 'server' && resource.type === 'server';
  }
  // Scope-level permission: asked about one scope, or about all scopes of a server.
  switch (grant.resourceType) {
    case 'server':
    case 'server-scopes':
      return resource.type === 'scope' || resource.type === 'server-scopes';
    case 'scope':
      return resource.type === 'scope' && grant.network === resource.network;
  }
}

/** Whether `grant` reaches anything on the server at all (what it takes to see the server). */
export function grantReachesServer(grant: EffectiveGrant, serverId: string): boolean {
  return grant.permissions.length > 0 && (grant.resourceType === 'global' || grant.serverId === serverId);
}

/**
 * Whether `grant` reaches a scope (what it takes to read it): global, on its server (the server or all its scopes),
 * or on that very scope. A grant on one scope reaches that scope only.
 */
export function grantReachesScope(grant: EffectiveGrant, serverId: string, network: string): boolean {
  return grantReachesServer(grant, serverId) && (grant.resourceType !== 'scope' || grant.network === network);
}
