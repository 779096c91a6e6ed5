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
import { DriverError, DriverErrorCode, withVendorMessage } from '../vendors/driver-error.js';
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
    if (query.skipUnreachable && (failover.scopes || failover.planFailoverRemoval)) {
      // ISC plans each server's delete-peer rule from its file, and Windows deals with the other copies on the
      // partner: neither can leave a server out yet.
      throw ProblemException.validation([
        {
          field: 'query.skipUnreachable',
          message: `only a Kea relationship can be removed without one of its servers; remove skipUnreachable`,
        },
      ]);
    }
    if (failover.scopes) return this.removeWithScopes(relationship, query, ifMatch, actor);
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
        await this.assertStillMatches(id, ifMatch);
        const targets = await Promise.all(members.map((member) => this.servers.target(member.serverId)));
        // Both servers are asked before either is written: a choice the caller must make changes nothing.
        await assertRemovable(failover, targets, peerNames, replacements, relationship.name);
        const remove = (target: ServerTarget, index: number): Promise<RemovalChange> =>
          failover.removeFailover(target, writeContext(actor), peerNames[index], replacements.get(target.id));
        const changes = await allOrNothing(
          targets,
          query.skipUnreachable ? (target, index) => remove(target, index).catch(leftAlone) : remove,
          rolledBackAuditOf(this.dataSource, this.audit, actor, 'delete', relationship.name),
        );
        const removals = changes.map((change) => change.removal);
        await this.deleteRecord(relationship, actor, {
          servers: changeDigests(targets, changes).map((digests, i) => ({
            ...digests,
            ...(removals[i] ? { peer: removals[i] } : {}),
            ...(changes[i].unreachable ? { unreachable: changes[i].unreachable } : {}),
          })),
        });
        return {
          servers: targets.map((target, i) => ({
            serverId: target.id,
            failoverRemoved: changes[i].changed,
            scopesKept: true,
            ...(removals[i] ? { peer: peerRemoval(removals[i]) } : {}),
            ...(changes[i].unreachable ? { unreachable: changes[i].unreachable } : {}),
          })),
          detail: removalDetail(targets, changes) + movedReferences(targets, removals),
        };
      },
    );
  }

  /**
   * If-Match again once both servers' lock is held: a PATCH (or a first scope) that held it meanwhile changed the
   * relationship the caller's tag was read from.
   */
  private async assertStillMatches(id: string, ifMatch: string | undefined): Promise<void> {
    if (ifMatch !== undefined) assertIfMatch(ifMatch, (await this.relationships.getManaged(id)).version);
  }

  private async removeWithScopes(
    relationship: RelationshipEntity,
    query: RemoveRelationshipQuery,
    ifMatch: string | undefined,
    actor: Actor,
  ): Promise<DeleteRelationshipResultDto> {
    const members = membersInOrder(relationship);
    if (relationship.status === 'empty') {
      // Looked at again under both servers' lock: a first scope being added holds it, and has made the relationship
      // on both servers by then (its record would otherwise go and leave the servers with it).
      const removed = await this.locks.withServers(
        members.map((member) => member.serverId),
        async () => {
          const now = await this.relationships.getManaged(relationship.id);
          assertIfMatch(ifMatch, now.version);
          if (now.status !== 'empty') return undefined;
          await this.deleteRecord(relationship, actor, { servers: [] });
          return {
            servers: members.map((member) => ({
              serverId: member.serverId,
              failoverRemoved: false,
              scopesKept: true,
            })),
            detail: `"${relationship.name}" had no scope, so nothing was configured on the servers; the record is gone.`,
          };
        },
      );
      if (removed) return removed;
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
        await this.assertStillMatches(relationship.id, ifMatch);
        const change = await this.relationships
          .failoverOf(relationship.vendor)
          .scopes!.removeRelationship(spec, keep as 0 | 1, query.otherCopies!, writeContext(actor))
          .catch(async (error: unknown) => {
            await this.recordIncomplete(relationship, actor, spec.sides[keep].target.id, query, error);
            throw error;
          });
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

  /**
   * A Windows removal that failed after changing a server (some of the other server's copies made inactive, or the
   * relationship taken off both servers with copies left): the record stays for a retry, and the trail says what
   * changed. A failure that changed nothing records nothing.
   */
  private async recordIncomplete(
    relationship: RelationshipEntity,
    actor: Actor,
    keptOn: string,
    query: RemoveRelationshipQuery,
    error: unknown,
  ): Promise<void> {
    if (!(error instanceof DriverError)) return;
    const copiesChanged = [...(error.scopes?.written ?? []), ...(error.scopes?.halfWritten ?? [])];
    if (!error.leftChanged && copiesChanged.length === 0) return;
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, {
        action: 'relationship.removal-incomplete',
        targetType: 'relationship',
        targetId: relationship.id,
        ...actor,
        details: {
          name: relationship.name,
          keptOn,
          otherCopies: query.otherCopies,
          // Off both servers already (the copies named in `error` left as they were), or still on them.
          relationshipRemoved: error.leftChanged,
          ...(copiesChanged.length > 0 ? { copiesChanged } : {}),
          error: withVendorMessage(error),
        },
      }),
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

/** One server's part of a removal; `unreachable` (with skipUnreachable) when it was left as it was. */
type RemovalChange = FailoverChange & { removal?: FailoverRemoval; unreachable?: string };

/** skipUnreachable: a server that cannot be reached is left as it is, and said so; any other failure stays one. */
function leftAlone(error: unknown): RemovalChange {
  if (!(error instanceof DriverError) || error.code !== DriverErrorCode.unreachable) throw error;
  return {
    before: '',
    after: '',
    changed: false,
    unreachable: withVendorMessage(error),
    undo: () => Promise.resolve(),
  };
}

/** What a removal did on each server: a configuration taken off by hand before is not said to have come off. */
function removalDetail(targets: ServerTarget[], changes: RemovalChange[]): string {
  const unreached = targets.filter((_target, i) => changes[i]?.unreachable !== undefined);
  const names = (changed: boolean): string[] =>
    targets
      .filter((_target, i) => changes[i]?.changed === changed && changes[i]?.unreachable === undefined)
      .map((target) => target.name);
  const [removed, absent] = [names(true), names(false)];
  if (unreached.length > 0) {
    const one = unreached.length === 1;
    const said = [
      ...(removed.length > 0 ? [`the failover configuration came off ${removed.join(', ')}`] : []),
      ...(absent.length > 0 ? [`${absent.join(', ')} had none left`] : []),
      `${unreached.map((target) => target.name).join(' and ')} could not be reached and ${one ? 'keeps its' : 'keep their'} ` +
        `failover configuration: take it off by hand should ${one ? 'it' : 'they'} come back`,
    ].join('; ');
    return `${said.charAt(0).toUpperCase()}${said.slice(1)}. The record is gone; the scopes stay.`;
  }
  if (absent.length === 0) {
    return `The failover configuration came off both servers (${removed.join(', ')}); their scopes stay on both.`;
  }
  if (removed.length === 0) {
    return `Neither ${absent.join(' nor ')} had failover configuration left, so nothing was changed; the record is gone. Their scopes stay on both.`;
  }
  return `The failover configuration came off ${removed.join(', ')}; ${absent.join(', ')} had none left. Their scopes stay on both.`;
}
