import { Injectable } from '@nestjs/common';
import { PermissionService } from '../permissions/permission.service.js';
import { ServersService } from '../servers/servers.service.js';
import { DriverRegistry } from '../vendors/driver-registry.js';
import { scopeNetwork, type ScopeContent, type ScopeSummary } from '../vendors/scope-content.js';

/** Scopes are read live from the servers (the servers are the truth); nothing is cached here. */
@Injectable()
export class ScopesService {
  constructor(
    private readonly servers: ServersService,
    private readonly drivers: DriverRegistry,
    private readonly permissions: PermissionService,
  ) {}

  /** The server's scopes that `principalId` can see (all of them, or those its scope grants name). */
  async list(serverId: string, principalId: string): Promise<ScopeSummary[]> {
    const target = await this.servers.target(serverId);
    const [scopes, visible] = await Promise.all([
      this.drivers.get(target.vendor).listScopes(target),
      this.permissions.visibleScopes(principalId, serverId),
    ]);
    return visible === 'all' ? scopes : scopes.filter((scope) => visible.has(scopeNetwork(scope.subnet)));
  }

  async read(serverId: string, network: string): Promise<ScopeContent> {
    const target = await this.servers.target(serverId);
    return this.drivers.get(target.vendor).readScope(target, network);
  }
}
