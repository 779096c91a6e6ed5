import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor.js';
import { AuditService, digestOf } from '../audit/audit.service.js';
import { assertIfMatchTag } from '../common/http/etag.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { ProblemType } from '../common/problem/problem-types.js';
import { ServerLockService } from '../servers/server-lock.service.js';
import { ServersService } from '../servers/servers.service.js';
import type { ServerTarget } from '../vendors/driver.js';
import type { ConfSet } from '../vendors/isc/conf/include-resolver.js';
import { iscConfigError, withIscConfig } from '../vendors/isc/isc-config-session.js';
import type {
  CreateFailoverPeerDto,
  DeleteFailoverPeerQuery,
  MigrateScopePeerDto,
  UpdateFailoverPeerDto,
} from './dto/failover-peer.dto.js';
import {
  createPeer,
  deletePeer,
  updatePeer,
  type PeerCreation,
  type PeerDeletion,
} from '../vendors/isc/isc-peer-rules.js';
import { findPeer, peerViews, type PeerView } from '../vendors/isc/isc-peer-views.js';
import { migrateScope, type ScopeMigration } from '../vendors/isc/isc-pool-migration.js';

/** The entity tag of a peer: a digest of its declaration, so a change made on the server changes it too. */
export function peerEtag(peer: PeerView): string {
  const { pools: _pools, scopes: _scopes, ...declared } = peer;
  return `"${digestOf(declared)}"`;
}

/**
 * ISC failover peers on one server, with the seed's rules. Every change holds the server's lock, reads the whole
 * configuration once, changes the syntax tree (only the lines concerned), and writes it once, validated by the
 * server's own `dhcpd -t` (a rejection reaches the caller with dhcpd's text); then it is audited.
 */
@Injectable()
export class IscPeersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly servers: ServersService,
    private readonly locks: ServerLockService,
    private readonly audit: AuditService,
  ) {}

  async list(serverId: string): Promise<PeerView[]> {
    const target = await this.iscTarget(serverId);
    return this.read(target, (set) => peerViews(set));
  }

  async get(serverId: string, name: string): Promise<PeerView> {
    const target = await this.iscTarget(serverId);
    return this.read(target, (set) => findPeer(set, name, target.name));
  }

  async create(serverId: string, dto: CreateFailoverPeerDto, actor: Actor): Promise<PeerCreation> {
    const { scopes: givenScopes, pools: givenPools, confirmDeleteOldPeer: givenConfirm, ...fields } = dto;
    // `null` means absent, as in a PATCH (where it removes the statement): a secondary's `mclt: null` is no mclt,
    // `scopes: null` no scopes (a destructuring default takes only undefined: null reached the rules as a list).
    const scopes = givenScopes ?? [];
    const pools = givenPools ?? [];
    const confirmDeleteOldPeer = givenConfirm ?? false;
    const peer = Object.fromEntries(
      Object.entries(fields).filter(([, value]) => value !== null),
    ) as typeof fields;
    return this.change(serverId, actor, 'isc-peer.created', (set, target, managed) => {
      const created = createPeer(set, peer, { scopes, pools, confirmDeleteOldPeer, serverName: target.name });
      for (const migration of created.migrations) assertKept(managed, migration.deletedPeers, target);
      return {
        result: created,
        details: {
          peer: created.peer.name,
          firstPeer: created.firstPeer,
          poolsReferred: created.poolsReferred,
          migrations: created.migrations,
        },
      };
    });
  }

  async update(
    serverId: string,
    name: string,
    dto: UpdateFailoverPeerDto,
    ifMatch: string | undefined,
    actor: Actor,
  ): Promise<PeerView> {
    return this.change(serverId, actor, 'isc-peer.updated', (set, target, managed) => {
      assertIfMatchTag(ifMatch, peerEtag(findPeer(set, name, target.name)));
      assertUnmanaged(managed, name, target, 'changed (on both servers) with PATCH');
      const peer = updatePeer(set, name, dto, target.name);
      return { result: peer, details: { peer: name, fields: Object.keys(dto) } };
    });
  }

  async remove(
    serverId: string,
    name: string,
    query: DeleteFailoverPeerQuery,
    ifMatch: string | undefined,
    actor: Actor,
  ): Promise<PeerDeletion> {
    return this.change(serverId, actor, 'isc-peer.deleted', (set, target, managed) => {
      assertIfMatchTag(ifMatch, peerEtag(findPeer(set, name, target.name)));
      assertUnmanaged(managed, name, target, 'removed (from both servers) with DELETE');
      const deletion = deletePeer(set, name, query.replacement, target.name);
      return { result: deletion, details: { ...deletion } };
    });
  }

  async migrateScope(
    serverId: string,
    network: string,
    dto: MigrateScopePeerDto,
    actor: Actor,
  ): Promise<ScopeMigration> {
    // Two names for one answer: given both, they must agree (a caller saying yes and no has not confirmed).
    if (
      dto.confirmDeleteOldPeer !== undefined &&
      dto.confirmPeerDeletion !== undefined &&
      dto.confirmDeleteOldPeer !== dto.confirmPeerDeletion
    ) {
      throw ProblemException.validation([
        {
          field: 'confirmPeerDeletion',
          message:
            'confirmPeerDeletion and confirmDeleteOldPeer are one confirmation: give one, or both the same',
        },
      ]);
    }
    const confirm = dto.confirmDeleteOldPeer === true || dto.confirmPeerDeletion === true;
    return this.change(serverId, actor, 'isc-peer.scope-migrated', (set, target, managed) => {
      const migration = migrateScope(
        set,
        network,
        dto.name,
        { confirmDeleteOldPeer: confirm, pool: dto.pool },
        target.name,
      );
      assertKept(managed, migration.deletedPeers, target);
      return { result: migration, details: { ...migration } };
    });
  }

  /** The server's peers that are a side of a relationship this service manages, by peer name. */
  private async managedPeers(serverId: string): Promise<ManagedPeers> {
    const rows: Array<{ peer_name: string; id: string; name: string }> = await this.dataSource.query(
      `SELECT rs.peer_name, r.id, r.name FROM relationship_servers rs
         JOIN relationships r ON r.id = rs.relationship_id
        WHERE rs.server_id = $1 AND r.vendor = 'isc'`,
      [serverId],
    );
    return new Map(rows.map((row) => [row.peer_name, { id: row.id, name: row.name }]));
  }

  /** The server, which must be an ISC one: peers are dhcpd declarations. */
  private async iscTarget(serverId: string): Promise<ServerTarget> {
    const target = await this.servers.target(serverId);
    if (target.vendor !== 'isc') {
      throw new ProblemException(
        409,
        ProblemType.wrongVendor,
        'Not an ISC server',
        `Failover peers are an ISC dhcpd feature, and ${target.name} is a ${target.vendor} server; ` +
          'manage its failover with /relationships.',
        { vendor: target.vendor },
      );
    }
    return target;
  }

  private read<T>(target: ServerTarget, view: (set: ConfSet) => T): Promise<T> {
    return withIscConfig(target, async (session) => {
      const { set } = await session.read();
      try {
        return view(set);
      } catch (error) {
        throw iscConfigError(target, error);
      }
    });
  }

  /**
   * Lock, one read, the change, one validated write, the audit record. `mutate` sees the peers of relationships this
   * service manages on the server (read under the lock, which relationship changes hold too).
   */
  private async change<T>(
    serverId: string,
    actor: Actor,
    action: string,
    mutate: (
      set: ConfSet,
      target: ServerTarget,
      managed: ManagedPeers,
    ) => { result: T; details: Record<string, unknown> },
  ): Promise<T> {
    const target = await this.iscTarget(serverId);
    return this.locks.withServers([target.id], async () => {
      const managed = await this.managedPeers(target.id);
      const change = await withIscConfig(target, async (session) =>
        session.change(await session.read(), (set) => mutate(set, target, managed)),
      );
      await this.dataSource.transaction((manager) =>
        this.audit.record(manager, {
          action,
          targetType: 'server',
          targetId: target.id,
          ...actor,
          details: {
            ...change.result.details,
            before: change.before,
            after: change.after,
            written: change.written,
          },
        }),
      );
      return change.result.result;
    });
  }
}

type ManagedPeers = ReadonlyMap<string, { id: string; name: string }>;

/**
 * A peer that is one side of a managed relationship is changed through the relationship, which writes both servers'
 * declarations together; changed here, on one server, the two would disagree and the relationship's record with them.
 */
function assertUnmanaged(managed: ManagedPeers, peer: string, target: ServerTarget, how: string): void {
  const relationship = managed.get(peer);
  if (!relationship) return;
  throw new ProblemException(
    409,
    ProblemType.conflict,
    'The peer belongs to a relationship',
    `Failover peer "${peer}" is ${target.name}'s side of relationship "${relationship.name}", which this service ` +
      `manages: it is ${how} /api/v1/relationships/${relationship.id}, so that both servers stay alike.`,
    { relationshipId: relationship.id, peer },
  );
}

/** A change that would delete a managed relationship's peer (its last pools moved away) is refused the same way. */
function assertKept(managed: ManagedPeers, deleted: readonly string[], target: ServerTarget): void {
  for (const peer of deleted) {
    assertUnmanaged(
      managed,
      peer,
      target,
      'not deleted by moving its last pools away; it is removed (from both servers) with DELETE',
    );
  }
}
