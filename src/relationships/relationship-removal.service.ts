import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { assertIfMatch } from '../common/http/etag.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { ServerLockService } from '../servers/server-lock.service.js';
import { ServersService } from '../servers/servers.service.js';
import type { FailoverChange, FailoverRemoval, ServerTarget } from '../vendors/driver.js';
import type {
  DeleteRelationshipResultDto,
  RelationshipPeerRemovalDto,
  RemoveRelationshipQuery,
} from './dto/relationship.dto.js';
import { membersInOrder, RelationshipEntity } from './relationship.entity.js';
import { allOrNothing, changeDigests, rolledBackAuditOf, writeContext } from './failover-writes.js';
import { assertRemovable, movedReferences, replacementsOf } from './failover-removal.js';
import { RelationshipsService } from './relationships.service.js';

/**
 * `DELETE /relationships/{id}`: the failover configuration comes off both servers (all or nothing, ISC following the
 * seed's delete-peer rule on each), or, for Windows, the relationship and the fate of the other server's scope
 * copies; then the record goes, audited.
 */
@Injectable()
export class RelationshipRemovalService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly relationships: RelationshipsService,
    private readonly servers: ServersService,
    private readonly locks: ServerLockService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Takes the failover configuration off both servers (all or nothing); the scopes stay where they are. Windows: a
   * relationship with scopes needs the server they persist on and what becomes of the other's copies.
   */
  async remove(
    id: string,
    query: RemoveRelationshipQuery,
    ifMatch: string | undefined,
    actor: Actor,
  ): Promise<DeleteRelationshipResultDto> {
    const relationship = await this.relationships.getManaged(id);
    assertIfMatch(ifMatch, relationship.version);
    const failover = this.relationships.failoverOf(relationship.vendor);
    const members = membersInOrder(relationship);
    // Refused before anything else for a vendor without the choice (Kea, Windows), as keepScopesOn is for Kea, ISC.
    const replacements = replacementsOf(query.replacement, members, !!failover.planFailoverRemoval);
    if (failover.scopes) return this.removeWithScopes(relationship, query, actor);
    if (query.keepScopesOn !== undefined || query.otherCopies !== undefined) {
      throw ProblemException.validation([
        {
          field: 'query.keepScopesOn',
          message: `${relationship.vendor} relationships keep their scopes on both servers; remove keepScopesOn and otherCopies`,
        },
      ]);
    }
    const peerNames = members.map((member) => member.peerName);
    return this.locks.withServers(
      members.map((member) => member.serverId),
      async () => {
        const targets = await Promise.all(members.map((member) => this.servers.target(member.serverId)));
        // Both servers are asked before either is written: a choice the caller must make changes nothing.
        await assertRemovable(failover, targets, peerNames, replacements, relationship.name);
        const changes = await allOrNothing(
          targets,
          (target, index) =>
            failover.removeFailover(
              target,
              writeContext(actor),
              peerNames[index],
              replacements.get(target.id),
            ),
          rolledBackAuditOf(this.dataSource, this.audit, actor, 'delete', relationship.name),
        );
        const removals = changes.map((change) => change.removal);
        await this.deleteRecord(relationship, actor, {
          servers: changeDigests(targets, changes).map((digests, i) => ({
            ...digests,
            ...(removals[i] ? { peer: removals[i] } : {}),
          })),
        });
        return {
          servers: targets.map((target, i) => ({
            serverId: target.id,
            failoverRemoved: changes[i].changed,
            scopesKept: true,
            ...(removals[i] ? { peer: peerRemoval(removals[i]) } : {}),
          })),
          detail: removalDetail(targets, changes) + movedReferences(targets, removals),
        };
      },
    );
  }

  private async removeWithScopes(
    relationship: RelationshipEntity,
    query: RemoveRelationshipQuery,
    actor: Actor,
  ): Promise<DeleteRelationshipResultDto> {
    const members = membersInOrder(relationship);
    if (relationship.status === 'empty') {
      await this.deleteRecord(relationship, actor, { servers: [] });
      return {
        servers: members.map((member) => ({
          serverId: member.serverId,
          failoverRemoved: false,
          scopesKept: true,
        })),
        detail: `"${relationship.name}" had no scope, so nothing was configured on the servers; the record is gone.`,
      };
    }
    const keep = members.findIndex((member) => member.serverId === query.keepScopesOn);
    if (keep === -1 || query.otherCopies === undefined) {
      throw ProblemException.validation([
        {
          field: keep === -1 ? 'query.keepScopesOn' : 'query.otherCopies',
          message:
            `"${relationship.name}" has scopes: name the server they persist on (keepScopesOn, one of ` +
            `${members.map((member) => member.serverId).join(', ')}) and whether the other server's copies are ` +
            'deleted or disabled (otherCopies=delete|disable)',
        },
      ]);
    }
    const spec = await this.relationships.specOf(relationship);
    const other = spec.sides[keep === 0 ? 1 : 0].target;
    return this.locks.withServers(
      members.map((member) => member.serverId),
      async () => {
        const change = await this.relationships
          .failoverOf(relationship.vendor)
          .scopes!.removeRelationship(spec, keep as 0 | 1, query.otherCopies!, writeContext(actor));
        await this.deleteRecord(relationship, actor, {
          keptOn: spec.sides[keep].target.id,
          otherCopies: query.otherCopies,
          scopes: change.scopes,
          before: change.before,
          after: change.after,
        });
        const done = query.otherCopies === 'delete' ? 'deleted' : 'disabled';
        return {
          servers: spec.sides.map((side, i) => ({
            serverId: side.target.id,
            failoverRemoved: change.changed,
            scopesKept: i === keep || query.otherCopies === 'disable',
            scopes: i === keep ? ('kept' as const) : done,
          })),
          detail:
            `"${relationship.name}" came off both servers; its ${change.scopes.length} scope(s) persist on ` +
            `${spec.sides[keep].target.name}, and ${other.name}'s copies were ${done}.`,
        };
      },
    );
  }

  private async deleteRecord(
    relationship: RelationshipEntity,
    actor: Actor,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(RelationshipEntity, { id: relationship.id });
      await this.audit.record(manager, {
        action: 'relationship.deleted',
        targetType: 'relationship',
        targetId: relationship.id,
        ...actor,
        details: { name: relationship.name, ...details },
      });
    });
  }
}

/** A removal as the answer shows it: a plan's `choice-needed` never reaches a write. */
function peerRemoval(removal: FailoverRemoval): RelationshipPeerRemovalDto {
  const { choices: _choices, ...done } = removal;
  return done as RelationshipPeerRemovalDto;
}

/** What a removal did on each server: a configuration taken off by hand before is not said to have come off. */
function removalDetail(targets: ServerTarget[], changes: FailoverChange[]): string {
  const names = (changed: boolean): string[] =>
    targets.filter((_target, i) => changes[i]?.changed === changed).map((target) => target.name);
  const [removed, absent] = [names(true), names(false)];
  if (absent.length === 0) {
    return `The failover configuration came off both servers (${removed.join(', ')}); their scopes stay on both.`;
  }
  if (removed.length === 0) {
    return `Neither ${absent.join(' nor ')} had failover configuration left, so nothing was changed; the record is gone. Their scopes stay on both.`;
  }
  return `The failover configuration came off ${removed.join(', ')}; ${absent.join(', ')} had none left. Their scopes stay on both.`;
}
