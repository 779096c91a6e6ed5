/** What a grant applies to, and what a permission check asks about. */
export const RESOURCE_TYPES = ['global', 'server', 'scope', 'server-scopes'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export type Resource =
  | { type: 'global' }
  | { type: 'server'; serverId: string }
  /** One scope of a server, by its network address (e.g. `10.1.2.0`). */
  | { type: 'scope'; serverId: string; network: string }
  /** Every scope of a server, present and future. */
  | { type: 'server-scopes'; serverId: string };

export function describeResource(resource: Resource): string {
  switch (resource.type) {
    case 'global':
      return 'the whole service (global)';
    case 'server':
      return `server ${resource.serverId}`;
    case 'server-scopes':
      return `all scopes of server ${resource.serverId}`;
    case 'scope':
      return `scope ${resource.network} of server ${resource.serverId}`;
  }
}
