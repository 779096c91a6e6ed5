import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ProblemException } from '../common/problem/problem.exception.js';
import { ProblemType } from '../common/problem/problem-types.js';
import { grantCovers, grantReachesScope, grantReachesServer, type EffectiveGrant } from './grant-coverage.js';
import type { Permission } from './permission.js';
import { describeResource, type Resource } from './resource.js';

/** The one place that answers "may P do X on R?". Grants are read from Postgres on every check. */
@Injectable()
export class PermissionService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async may(principalId: string, permission: Permission, resource: Resource): Promise<boolean> {
    const grants = await this.grantsOf(principalId);
    return grants.some((grant) => grantCovers(grant, permission, resource));
  }

  async assert(principalId: string, permission: Permission, resource: Resource): Promise<void> {
    if (!(await this.may(principalId, permission, resource))) {
      throw ProblemException.forbidden(permission, describeResource(resource));
    }
  }

  /**
   * Refuses a principal that holds `permission` nowhere: what a route checks first when the resource it names cannot
   * be resolved (an unknown relationship), so such a principal learns nothing about what exists (403, not 404).
   */
  async assertHeldAnywhere(principalId: string, permission: Permission, what: string): Promise<void> {
    const grants = await this.grantsOf(principalId);
    if (!grants.some((grant) => grant.permissions.includes(permission))) {
      throw ProblemException.forbidden(permission, what);
    }
  }

  /** Which of `permissions` the principal holds on `resource` (e.g. which scope bits, for partial replication). */
  async heldOf(
    principalId: string,
    permissions: readonly Permission[],
    resource: Resource,
  ): Promise<Permission[]> {
    const grants = await this.grantsOf(principalId);
    return permissions.filter((permission) =>
      grants.some((grant) => grantCovers(grant, permission, resource)),
    );
  }

  /** Servers the principal can see: `all`, or the ids its grants name. */
  async visibleServers(principalId: string): Promise<'all' | string[]> {
    const grants = await this.grantsOf(principalId);
    if (grants.some((grant) => grant.resourceType === 'global' && grant.permissions.length > 0)) {
      return 'all';
    }
    return [
      ...new Set(
        grants.flatMap((grant) => (grant.serverId && grant.permissions.length > 0 ? [grant.serverId] : [])),
      ),
    ];
  }

  async assertCanSeeServer(principalId: string, serverId: string): Promise<void> {
    const grants = await this.grantsOf(principalId);
    if (!grants.some((grant) => grantReachesServer(grant, serverId))) {
      throw new ProblemException(
        403,
        ProblemType.forbidden,
        'Permission denied',
        `Seeing server ${serverId} needs a grant on it (for example "administer-dhcp-servers"); ask an administrator.`,
        { missingPermission: 'administer-dhcp-servers' },
      );
    }
  }

  async assertCanSeeScope(principalId: string, serverId: string, network: string): Promise<void> {
    const grants = await this.grantsOf(principalId);
    if (!grants.some((grant) => grantReachesScope(grant, serverId, network))) {
      throw new ProblemException(
        403,
        ProblemType.forbidden,
        'Permission denied',
        `Seeing scope ${network} of server ${serverId} needs a grant on it, on all the server's scopes or on the ` +
          'server (for example "read-write-scope-options"); ask an administrator.',
        { missingPermission: 'read-write-scope-options' },
      );
    }
  }

  /** The scopes of a server the principal can see: `all` (a grant on the server or all its scopes), or those named. */
  async visibleScopes(principalId: string, serverId: string): Promise<'all' | Set<string>> {
    const grants = (await this.grantsOf(principalId)).filter((grant) => grantReachesServer(grant, serverId));
    if (grants.some((grant) => grant.resourceType !== 'scope')) return 'all';
    return new Set(grants.flatMap((grant) => (grant.network ? [grant.network] : [])));
  }

  private async grantsOf(principalId: string): Promise<EffectiveGrant[]> {
    const rows: Array<{
      resource_type: EffectiveGrant['resourceType'];
      server_id: string | null;
      network: string | null;
      permissions: Permission[];
    }> = await this.dataSource.query(
      `SELECT g.resource_type, g.server_id, g.network,
              ARRAY(SELECT DISTINCT unnest(g.permissions || COALESCE(r.permissions, '{}'))) AS permissions
         FROM grants g LEFT JOIN roles r ON r.id = g.role_id
         JOIN principals p ON p.id = g.principal_id
        WHERE g.principal_id = $1 AND NOT p.disabled`,
      [principalId],
    );
    return rows.map((row) => ({
      resourceType: row.resource_type,
      serverId: row.server_id,
      network: row.network,
      permissions: row.permissions,
    }));
  }
}
