import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { ServerLockService } from '../servers/server-lock.service.js';
import { ServersService } from '../servers/servers.service.js';
import type { ServerTarget } from '../vendors/driver.js';
import { DriverError, DriverErrorCode, withVendorMessage } from '../vendors/driver-error.js';
import { DriverRegistry } from '../vendors/driver-registry.js';
import { SCOPE_PARTS, scopeNetwork, type ScopeContent, type ScopeSummary } from '../vendors/scope-content.js';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type {
  AddRelationshipScopeDto,
  RelationshipScopeChangeDto,
  RelationshipScopeDto,
  RelationshipScopeListDto,
  RemoveRelationshipScopeQuery,
} from './dto/relationship-scope.dto.js';
import { writeContext } from './failover-writes.js';
import { membersInOrder, RelationshipEntity } from './relationship.entity.js';
import { RelationshipsService } from './relationships.service.js';

/**
 * The scopes of a relationship. Kea 2.2 HA covers every subnet of both servers, so a Kea relationship's scopes are
 * the subnets the partners have; one that only one partner has is out of step.
 */
@Injectable()
export class RelationshipScopesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly relationships: RelationshipsService,
    private readonly servers: ServersService,
    private readonly drivers: DriverRegistry,
    private readonly locks: ServerLockService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Both partners' scopes, read at once. A partner that cannot be read is reported (`servers[].scopesKnown: false`
   * with the reason) and the other's scopes are listed, their step unknown (`inStep: null`): the reachable side is
   * still worth knowing. Only when neither can be read is it an error (the first partner's).
   */
  async list(id: string): Promise<RelationshipScopeListDto> {
    const relationship = await this.relationships.get(id);
    const targets = await this.targetsOf(id, false);
    const members = membersInOrder(relationship);
    const reads = await Promise.allSettled(
      targets.map((target, index) => this.scopesIn(relationship, target, members[index].peerName)),
    );
    const failures = reads.flatMap((read) => (read.status === 'rejected' ? [read.reason as unknown] : []));
    // A fault of ours, or neither partner answering: nothing to list.
    const bug = failures.find((reason) => !(reason instanceof DriverError));
    if (bug !== undefined || failures.length === targets.length) throw bug ?? failures[0];
    const servers = targets.map((target, index) => {
      const read = reads[index];
      return read.status === 'fulfilled'
        ? { serverId: target.id, serverName: target.name, scopesKnown: true }
        : {
            serverId: target.id,
            serverName: target.name,
            scopesKnown: false,
            error: withVendorMessage(read.reason as DriverError),
          };
    });
    const lists = reads.map((read) => (read.status === 'fulfilled' ? read.value : []));
    const unknown = servers.find((server) => !server.scopesKnown);
    const byNetwork = new Map<string, RelationshipScopeDto>();
    const copies = new Map<string, Array<ScopeContent | undefined>>();
    lists.forEach((scopes, index) => {
      for (const { summary, content } of scopes) {
        const network = scopeNetwork(summary.subnet);
        const entry = byNetwork.get(network) ?? {
          subnet: summary.subnet,
          network,
          ...(summary.name !== undefined ? { name: summary.name } : {}),
          presentOn: [],
          inStep: false,
        };
        entry.presentOn.push(targets[index].id);
        byNetwork.set(network, entry);
        const pair = copies.get(network) ?? [undefined, undefined];
        pair[index] = content;
        copies.set(network, pair);
      }
    });
    const driver = this.drivers.get(relationship.vendor);
    const items = [...byNetwork.values()].map((entry): RelationshipScopeDto => {
      if (unknown) {
        return {
          ...entry,
          inStep: null,
          outOfStep: `${unknown.serverName}'s scopes could not be read (see servers), so whether it has a copy is unknown`,
        };
      }
      if (entry.presentOn.length < targets.length) {
        const lacking = targets.find((target) => !entry.presentOn.includes(target.id))!;
        return { ...entry, inStep: false, outOfStep: `${lacking.name} has no copy` };
      }
      const [first, second] = copies.get(entry.network)!;
      const conflict =
        first && second
          ? driver.copiesConflict?.(second, first, {
              relationshipId: id,
              source: targets[0],
              destination: targets[1],
            })
          : undefined;
      return conflict ? { ...entry, inStep: false, outOfStep: conflict } : { ...entry, inStep: true };
    });
    items.sort((a, b) => compareNetworks(a.network, b.network));
    return { items, total: items.length, servers };
  }

  /**
   * The scopes of one server that are the relationship's. Windows relationships name their scopes (by the name on
   * the servers); an ISC subnet is in it when one of its pools names the server's failover peer; Kea 2.2 HA covers
   * every subnet. With their content where the vendor compares partners' copies (DhcpDriver.copiesConflict).
   */
  private async scopesIn(
    relationship: RelationshipEntity,
    target: ServerTarget,
    peerName: string,
  ): Promise<Array<{ summary: ScopeSummary; content?: ScopeContent }>> {
    const driver = this.drivers.get(target.vendor);
    if (this.relationships.failoverOf(relationship.vendor).scopes) {
      return (await driver.listScopes(target))
        .filter((scope) => scope.failover === peerName)
        .map((summary) => ({ summary }));
    }
    if (!driver.inRelationship && !driver.copiesConflict) {
      return (await driver.listScopes(target)).map((summary) => ({ summary }));
    }
    const contents = await driver.readScopes(target);
    return [...contents.values()]
      .filter((content) => driver.inRelationship?.(content, peerName) ?? true)
      .map((content) => ({
        summary: {
          subnet: content.subnet,
          ...(content.name !== undefined ? { name: content.name } : {}),
          enabled: content.enabled,
          failover: peerName,
        },
        content,
      }));
  }

  /** Creates the scope on the partner from the source's copy. */
  async add(id: string, dto: AddRelationshipScopeDto, actor: Actor): Promise<RelationshipScopeChangeDto> {
    const targets = await this.targetsOf(id);
    const source = targets.find((target) => target.id === dto.sourceServerId);
    const destination = targets.find((target) => target.id !== dto.sourceServerId);
    if (!source || !destination) {
      throw ProblemException.validation([
        { field: 'sourceServerId', message: "sourceServerId must be one of the relationship's two servers" },
      ]);
    }
    const relationship = await this.relationships.getManaged(id);
    if (this.relationships.failoverOf(relationship.vendor).scopes) {
      return this.addToRelationship(relationship, dto, targets.indexOf(source) as 0 | 1, actor);
    }
    const driver = this.drivers.get(source.vendor);
    return this.locks.withServers([source.id, destination.id], async () => {
      const content = await driver.readScope(source, dto.network);
      const present = await driver.readScopes(destination);
      if ([...present.values()].some((scope) => scopeNetwork(scope.subnet) === dto.network)) {
        throw ProblemException.conflict(
          `${destination.name} has ${dto.network} already; replicate it to bring its content in line`,
        );
      }
      // What the destination would refuse of this copy (DhcpDriver.refuseCopy, as a replication asks it).
      const refusal = driver.refuseCopy?.(present, content, SCOPE_PARTS, {
        relationshipId: id,
        source,
        destination,
      });
      if (refusal) throw ProblemException.conflict(`${refusal}.`);
      const digests = await driver.writeScopes(
        destination,
        [{ content, parts: SCOPE_PARTS }],
        writeContext(actor),
      );
      await this.record(actor, id, 'relationship.scope-added', {
        network: dto.network,
        from: source.id,
        to: destination.id,
        ...digests,
      });
      return {
        network: dto.network,
        serverId: destination.id,
        action: 'created',
        detail: `${content.subnet} was created on ${destination.name} from ${source.name}'s copy.`,
      };
    });
  }

  /** Removes the scope from the server the caller names; the partner keeps its copy. */
  async remove(
    id: string,
    network: string,
    query: RemoveRelationshipScopeQuery,
    actor: Actor,
  ): Promise<RelationshipScopeChangeDto> {
    const targets = await this.targetsOf(id);
    const target = targets.find((candidate) => candidate.id === query.serverId);
    if (!target) {
      throw ProblemException.validation([
        { field: 'query.serverId', message: "serverId must be one of the relationship's two servers" },
      ]);
    }
    const how = query.copy ?? 'delete';
    const relationship = await this.relationships.getManaged(id);
    if (this.relationships.failoverOf(relationship.vendor).scopes) {
      const keep = targets.findIndex((candidate) => candidate.id !== query.serverId) as 0 | 1;
      return this.removeFromRelationship(relationship, network, keep, how, actor);
    }
    const partner = targets.find((candidate) => candidate.id !== target.id)!;
    return this.locks.withServers([target.id, partner.id], async () => {
      const driver = this.drivers.get(target.vendor);
      // The partner keeps its copy: one that has none would leave the scope on neither server, unless confirmed.
      const onPartner = await driver.listScopes(partner);
      const lastCopy = !onPartner.some((scope) => scopeNetwork(scope.subnet) === network);
      // A scope on neither server is not found, whatever confirmLastCopy says: there is no copy to keep or add.
      if (
        lastCopy &&
        !(await driver.listScopes(target)).some((scope) => scopeNetwork(scope.subnet) === network)
      ) {
        throw new DriverError(
          DriverErrorCode.notFound,
          `${target.name} has no subnet ${network}, and neither has ${partner.name}: the relationship has no such scope`,
        );
      }
      if (lastCopy && query.confirmLastCopy !== true) {
        throw ProblemException.conflict(
          `${partner.name} has no copy of ${network}, so removing it from ${target.name} would leave it on neither ` +
            `server; add it to ${partner.name} first (POST /api/v1/relationships/${id}/scopes with sourceServerId ` +
            `${target.id}), or send confirmLastCopy=true to remove the only copy.`,
        );
      }
      const digests = await driver.removeScope(target, network, how, writeContext(actor));
      await this.record(actor, id, 'relationship.scope-removed', {
        network,
        serverId: target.id,
        how,
        ...(lastCopy ? { lastCopy: true } : {}),
        ...digests,
      });
      const action = how === 'delete' ? 'deleted' : 'disabled';
      return {
        network,
        serverId: target.id,
        action,
        detail: lastCopy
          ? `${network} was ${action} on ${target.name}; ${partner.name} has no copy, so no server of the ` +
            'relationship serves it now.'
          : `${network} was ${action} on ${target.name}; the partner keeps its copy.`,
      };
    });
  }

  /**
   * Windows: the vendor copies the scope to the partner. The first scope creates the relationship on both servers
   * (Add-DhcpServerv4Failover), later ones join it (Add-DhcpServerv4FailoverScope).
   */
  private async addToRelationship(
    relationship: RelationshipEntity,
    dto: AddRelationshipScopeDto,
    from: 0 | 1,
    actor: Actor,
  ): Promise<RelationshipScopeChangeDto> {
    const members = membersInOrder(relationship).map((member) => member.serverId);
    return this.locks.withServers(members, async () => {
      // Read under the lock: a first scope added at the same time has made the relationship by now, and a PATCH
      // that ran meanwhile set the settings a first scope creates it with.
      const current = await this.relationships.getManaged(relationship.id);
      const first = current.status === 'empty';
      const spec = await this.relationships.specOf(current);
      const source = spec.sides[from].target;
      const destination = spec.sides[from === 0 ? 1 : 0].target;
      const change = await this.relationships
        .failoverOf(relationship.vendor)
        .scopes!.addScope(spec, from, dto.network, first, writeContext(actor));
      try {
        await this.setStatus(relationship.id, 'unknown');
        await this.record(actor, relationship.id, 'relationship.scope-added', {
          network: dto.network,
          from: source.id,
          to: destination.id,
          createdRelationship: first,
          before: change.before,
          after: change.after,
        });
      } catch (error) {
        await change.undo().catch(() => undefined);
        throw error;
      }
      return {
        network: dto.network,
        serverId: destination.id,
        action: 'created',
        detail:
          `${dto.network} was ${first ? `the first scope of "${relationship.name}", which now exists on both servers` : `added to "${relationship.name}"`}; ` +
          `Windows created ${destination.name}'s copy from ${source.name}'s.`,
      };
    });
  }

  /** Windows: the copy on `keep` stays in service; the other's is deleted or kept disabled, all or nothing. */
  private async removeFromRelationship(
    relationship: RelationshipEntity,
    network: string,
    keep: 0 | 1,
    how: 'delete' | 'disable',
    actor: Actor,
  ): Promise<RelationshipScopeChangeDto> {
    const spec = await this.relationships.specOf(relationship);
    const kept = spec.sides[keep].target;
    const other = spec.sides[keep === 0 ? 1 : 0].target;
    if (relationship.status === 'empty') {
      throw ProblemException.notFound(
        `Scope of relationship "${relationship.name}" (it has none yet)`,
        network,
      );
    }
    return this.locks.withServers([kept.id, other.id], async () => {
      const change = await this.relationships
        .failoverOf(relationship.vendor)
        .scopes!.removeScope(spec, keep, network, how, writeContext(actor));
      if (change.empty) await this.setStatus(relationship.id, 'empty');
      await this.record(actor, relationship.id, 'relationship.scope-removed', {
        network,
        serverId: other.id,
        keptOn: kept.id,
        how,
        before: change.before,
        after: change.after,
      });
      const action = how === 'delete' ? 'deleted' : 'disabled';
      return {
        network,
        serverId: other.id,
        action,
        detail:
          `${network} left "${relationship.name}": ${other.name}'s copy was ${action}, ${kept.name} keeps serving it` +
          (change.empty ? `; "${relationship.name}" has no scope left and is empty again.` : '.'),
      };
    });
  }

  private async setStatus(id: string, status: RelationshipEntity['status']): Promise<void> {
    await this.dataSource
      .getRepository(RelationshipEntity)
      .update({ id }, { status, statusCheckedAt: new Date() });
  }

  private async targetsOf(id: string, managed = true): Promise<ServerTarget[]> {
    const relationship = managed ? await this.relationships.getManaged(id) : await this.relationships.get(id);
    const members = membersInOrder(relationship);
    return Promise.all(members.map((member) => this.servers.target(member.serverId)));
  }

  private async record(
    actor: Actor,
    relationshipId: string,
    action: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, {
        action,
        targetType: 'relationship',
        targetId: relationshipId,
        ...actor,
        details,
      }),
    );
  }
}

function compareNetworks(a: string, b: string): number {
  const value = (ip: string): number => ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return value(a) - value(b);
}
