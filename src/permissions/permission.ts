/**
 * The permissions of the seed, as named in the API. Each applies at one level:
 * global, server (one DHCP server), or scope (one scope, or all scopes of a server).
 */
export const Permission = {
  /** Manage failover relationships (seed: "DHCP administrator"). */
  dhcpAdministrator: 'dhcp-administrator',
  /** Manage principals, API keys, roles and grants (built-in role Administrators). */
  administerAccess: 'administer-access',
  /** Register and change DHCP servers; replicate all scopes of a server or relationship. */
  administerDhcpServers: 'administer-dhcp-servers',
  /** Add scopes to and remove them from failover relationships. */
  addScope: 'add-scope',
  readWriteScopeOptions: 'read-write-scope-options',
  editReservations: 'edit-reservations',
  editAddressPools: 'edit-address-pools',
  editExclusions: 'edit-exclusions',
} as const;

export type Permission = (typeof Permission)[keyof typeof Permission];
export const PERMISSIONS = Object.values(Permission);

/** What a list of permissions sent as something else is told. */
export const PERMISSIONS_ARRAY = '$property must be an array such as ["add-scope"]';

export type PermissionLevel = 'global' | 'server' | 'scope';

export const PERMISSION_LEVEL: Record<Permission, PermissionLevel> = {
  [Permission.dhcpAdministrator]: 'global',
  [Permission.administerAccess]: 'global',
  [Permission.administerDhcpServers]: 'server',
  [Permission.addScope]: 'server',
  [Permission.readWriteScopeOptions]: 'scope',
  [Permission.editReservations]: 'scope',
  [Permission.editAddressPools]: 'scope',
  [Permission.editExclusions]: 'scope',
};

/** The four scope-level access bits; each lets one part of a scope be replicated. */
export const SCOPE_PERMISSIONS = PERMISSIONS.filter((p) => PERMISSION_LEVEL[p] === 'scope');
