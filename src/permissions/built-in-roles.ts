import { Permission, PERMISSIONS, SCOPE_PERMISSIONS } from './permission.js';

/**
 * The seed's built-in roles. Their ids are fixed so that migrations, grants and callers can name them; they cannot
 * be changed or deleted through the API.
 */
export const BUILT_IN_ROLES = [
  {
    id: '00000000-0000-4000-8000-000000000001',
    name: 'Administrators',
    description: 'Everything, including who may do what (principals, API keys, roles, grants).',
    permissions: [...PERMISSIONS],
  },
  {
    id: '00000000-0000-4000-8000-000000000002',
    name: 'DHCP Administrators',
    description:
      'Manage failover relationships, add scopes to them, administer DHCP servers and replicate any scope.',
    permissions: [
      Permission.dhcpAdministrator,
      Permission.administerDhcpServers,
      Permission.addScope,
      ...SCOPE_PERMISSIONS,
    ],
  },
  {
    id: '00000000-0000-4000-8000-000000000003',
    name: 'IPAM Administrators',
    description: 'Edit and replicate scope content (options, reservations, address pools, exclusions).',
    permissions: [...SCOPE_PERMISSIONS],
  },
] as const;

export const ADMINISTRATORS_ROLE_ID = BUILT_IN_ROLES[0].id;
