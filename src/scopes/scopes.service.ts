import { Injectable } from '@nestjs/common';
import { ServersService } from '../servers/servers.service.js';
import { DriverRegistry } from '../vendors/driver-registry.js';
import type { ScopeContent, ScopeSummary } from '../vendors/scope-content.js';

/** Scopes are read live from the servers (the servers are the truth); nothing is cached here. */
@Injectable()
export class ScopesService {
  constructor(
    private readonly servers: ServersService,
    private readonly drivers: DriverRegistry,
  ) {}

  async list(serverId: string): Promise<ScopeSummary[]> {
    const target = await this.servers.target(serverId);
    return this.drivers.get(target.vendor).listScopes(target);
  }

  async read(serverId: string, network: string): Promise<ScopeContent> {
    const target = await this.servers.target(serverId);
    return this.drivers.get(target.vendor).readScope(target, network);
  }
}
