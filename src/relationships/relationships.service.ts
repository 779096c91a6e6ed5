import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { Actor } from '../auth/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { pageWindow, toPage, type Page } from '../common/http/pagination.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import type { FieldError } from '../common/problem/problem-details.js';
import { assertNameFree, conflictOnDuplicate, findRow, nameTakenDetail } from '../database/rows.js';
import { ServerLockService } from '../servers/server-lock.service.js';
import { ServersService } from '../servers/servers.service.js';
import type { FailoverChange, FailoverOperations, FailoverSpec, ServerTarget } from '../vendors/driver.js';
import {
  DriverError,
  DriverErrorCode,
  FailoverStateUnknowableError,
  withVendorMessage,
} from '../vendors/driver-error.js';
import { DriverRegistry } from '../vendors/driver-registry.js';
import type { Vendor } from '../vendors/vendor.js';
import type {
  CreateRelationshipDto,
  PartnerStateDto,
  RelationshipQuery,
  RelationshipStateDto,
} from './dto/relationship.dto.js';
import { openRelationshipSecrets, sealRelationshipSecrets, splitSecrets } from './relationship-secrets.js';
import { assertRelationshipShape, oneServerTwiceErrors, peerNameFor } from './relationship-rules.js';
import { membersInOrder, RelationshipEntity } from './relationship.entity.js';
import { RelationshipServerEntity } from './relationship-server.entity.js';
import { applyToBoth, changeDigests, rolledBackAuditOf, serverProblem } from './failover-writes.js';
import { relationshipStatus } from './relationship-status.js';
import { RelationshipDiscoveryService } from './relationship-discovery.service.js';

@Injectable()
export class RelationshipsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly servers: ServersService,
    private readonly drivers: DriverRegistry,
    private readonly locks: ServerLockService,
    private readonly audit: AuditService,
    private readonly discovery: RelationshipDiscoveryService,
    private readonly box: SecretBox,
  ) {}

  /** Takes a discovered relationship under management: from now on it is changed only through this service. */
  async adopt(id: string, actor: Actor): Promise<RelationshipEntity> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT 1 FROM relationships WHERE id = $1 FOR UPDATE', [id]);
      const relationship = await findRow(manager, RelationshipEntity, id, 'Relationship');
      if (!relationship.discovered) {
        throw ProblemException.conflict(`Relationship "${relationship.name}" is managed already`);
      }
      relationship.discovered = false;
      const saved = await manager.save(relationship);
      await this.audit.record(manager, {
        action: 'relationship.adopted',
        targetType: 'relationship',
        targetId: id,
        ...actor,
        details: { name: relationship.name, servers: relationship.servers.map((member) => member.serverId) },
      });
      return saved;
    });
  }

  /** A relationship this service may change: found, and not merely discovered. */
  async getManaged(id: string): Promise<RelationshipEntity> {
    const relationship = await this.get(id);
    if (relationship.discovered) {
      throw ProblemException.conflict(
        `Relationship "${relationship.name}" was found on the servers and is not managed yet; adopt it first (POST /api/v1/relationships/${id}/adopt)`,
      );
    }
    return relationship;
  }

  async create(dto: CreateRelationshipDto, actor: Actor): Promise<RelationshipEntity> {
    // A null setting in a create is the default, as an absent one (a PATCH's null resets a stored setting): not
    // recorded, so that the relationship never shows a null where its settings' schema has a number or a flag.
    const settings = Object.fromEntries(
      Object.entries(assertRelationshipShape(dto)).filter(([, value]) => value !== null),
    );
    const failover = this.failoverOf(dto.vendor);
    const targets = await this.targetsFor(dto);
    await this.assertFree(dto, targets, failover);
    const spec: FailoverSpec = {
      name: dto.name,
      mode: dto.mode,
      settings,
      sides: [0, 1].map((i) => ({
        target: targets[i],
        role: dto.servers[i].role,
        peerName: peerNameFor(dto, settings, targets[i]),
        settings: { ...(dto.servers[i].settings ?? {}) },
      })) as FailoverSpec['sides'],
    };
    // Windows: a relationship exists on the servers only with a scope (Add-DhcpServerv4Failover needs one), so it
    // is recorded `empty` and created on both servers when its first scope is added.
    if (failover.scopes) return this.record(dto, spec, [], actor, 'empty');
    return this.locks.withServers(
      targets.map((target) => target.id),
      async () => {
        await this.assertNoForeignFailover(failover, targets);
        const changes = await applyToBoth(
          failover,
          spec,
          actor,
          rolledBackAuditOf(this.dataSource, this.audit, actor, 'create', dto.name),
        );
        try {
          return await this.record(dto, spec, changes, actor);
        } catch (error) {
          await Promise.allSettled(changes.map((change) => change.undo()));
          throw error;
        }
      },
    );
  }

  async list(query: RelationshipQuery): Promise<Page<RelationshipEntity>> {
    if (query.discover !== false) {
      await this.discovery.discover(query.discover === true);
    }
    const builder = this.dataSource
      .getRepository(RelationshipEntity)
      .createQueryBuilder('r')
      .leftJoinAndSelect('r.servers', 's')
      .orderBy('r.name', 'ASC')
      .skip(pageWindow(query).skip)
      .take(pageWindow(query).take);
    if (query.vendor) builder.andWhere('r.vendor = :vendor', { vendor: query.vendor });
    if (query.status) builder.andWhere('r.status = :status', { status: query.status });
    if (query.serverId) {
      builder.andWhere(
        'r.id IN (SELECT relationship_id FROM relationship_servers WHERE server_id = :serverId)',
        {
          serverId: query.serverId,
        },
      );
    }
    const [items, total] = await builder.getManyAndCount();
    return toPage(items, total, query);
  }

  get(id: string): Promise<RelationshipEntity> {
    return findRow(this.dataSource.manager, RelationshipEntity, id, 'Relationship');
  }

  /** Live failover state of both partners; also refreshes the stored status. */
  async state(id: string): Promise<RelationshipStateDto> {
    const relationship = await this.get(id);
    const failover = this.failoverOf(relationship.vendor);
    const members = membersInOrder(relationship);
    const servers = await Promise.all(
      members.map((member) => this.partnerState(failover, member.serverId, member.peerName)),
    );
    // A relationship made by adding scopes stays `empty` (nothing on the servers) until its first scope.
    const status = failover.scopes && relationship.status === 'empty' ? 'empty' : relationshipStatus(servers);
    const checkedAt = new Date();
    await this.dataSource
      .getRepository(RelationshipEntity)
      .update({ id }, { status, statusCheckedAt: checkedAt });
    return { status, servers, checkedAt };
  }

  /**
   * The name the servers know the relationship by. Windows: the members' peerName, which is the relationship's name
   * on both servers; the record's name may differ (discovery renames a name taken by another record, and shortens
   * one too long to store).
   */
  nameOnServers(relationship: RelationshipEntity): string {
    if (relationship.vendor !== 'windows') return relationship.name;
    const first = membersInOrder(relationship)[0];
    return first?.peerName || relationship.name;
  }

  /** The FailoverSpec of a recorded relationship, its secrets opened (for the vendor's writes only). */
  async specOf(relationship: RelationshipEntity): Promise<FailoverSpec> {
    const members = membersInOrder(relationship);
    const targets = await Promise.all(members.map((member) => this.servers.target(member.serverId)));
    return {
      name: this.nameOnServers(relationship),
      mode: relationship.mode,
      settings: {
        ...relationship.settings,
        ...openRelationshipSecrets(this.box, relationship.id, relationship.sealedSecrets),
      },
      sides: members.map((member, i) => ({
        target: targets[i],
        role: member.role,
        peerName: member.peerName,
        settings: member.settings,
      })) as FailoverSpec['sides'],
    };
  }

  private async partnerState(
    failover: FailoverOperations,
    serverId: string,
    peerName: string,
  ): Promise<PartnerStateDto> {
    const target = await this.servers.target(serverId);
    const base = { serverId, serverName: target.name };
    try {
      return {
        ...base,
        reachable: true,
        knowable: true,
        ...(await failover.readFailoverState(target, peerName)),
      };
    } catch (error) {
      if (!(error instanceof DriverError)) throw error;
      const reachable = error.code === DriverErrorCode.notFound || error.code === DriverErrorCode.unsupported;
      return {
        ...base,
        reachable,
        knowable: !(error instanceof FailoverStateUnknowableError),
        error: withVendorMessage(error),
      };
    }
  }

  failoverOf(vendor: Vendor): FailoverOperations {
    const failover = this.drivers.get(vendor).failover;
    if (!failover) {
      throw new DriverError(DriverErrorCode.unsupported, `This build cannot manage ${vendor} failover yet`);
    }
    return failover;
  }

  private async targetsFor(dto: CreateRelationshipDto): Promise<ServerTarget[]> {
    const errors: FieldError[] = [];
    const targets: ServerTarget[] = [];
    for (const [i, member] of dto.servers.entries()) {
      const target = await this.servers.target(member.serverId).catch(() => undefined);
      if (!target) {
        errors.push({
          field: `servers[${i}].serverId`,
          message: `server ${member.serverId} is not registered`,
        });
      } else if (target.vendor !== dto.vendor) {
        errors.push({
          field: `servers[${i}].serverId`,
          message: `server ${target.name} is a ${target.vendor} server, not ${dto.vendor}`,
        });
      } else {
        targets.push(target);
      }
    }
    errors.push(...oneServerTwiceErrors(dto, targets));
    if (errors.length > 0) throw ProblemException.validation(errors);
    return targets;
  }

  private async assertFree(
    dto: CreateRelationshipDto,
    targets: ServerTarget[],
    failover: FailoverOperations,
  ): Promise<void> {
    await assertNameFree(this.dataSource.manager, RelationshipEntity, 'relationship', dto.name);
    // A Windows server takes part in up to 31 relationships, each with its own scopes (Windows refuses more: 20128).
    if (failover.scopes) return;
    // Kea 2.2 has one HA configuration per server, and this service gives an ISC server one failover peer (every
    // pool refers to it, the seed's first-peer rule): a server takes part in one relationship at most.
    const taken = await this.dataSource.getRepository(RelationshipServerEntity).find({
      where: { serverId: In(targets.map((target) => target.id)) },
      relations: { relationship: true },
    });
    if (taken.length > 0) {
      const names = taken.map(
        (member) =>
          `${targets.find((t) => t.id === member.serverId)?.name} (in "${member.relationship?.name}"${
            member.relationship?.discovered ? ', found on the servers: adopt or remove it first' : ''
          })`,
      );
      throw ProblemException.conflict(
        `Already in a relationship: ${names.join(', ')}; ${
          dto.vendor === 'kea'
            ? 'a Kea server has one HA relationship'
            : 'a server takes part in one relationship at most'
        }`,
      );
    }
  }

  /** Never overwrite failover configured outside this service: that relationship must be adopted or removed first. */
  private async assertNoForeignFailover(
    failover: FailoverOperations,
    targets: ServerTarget[],
  ): Promise<void> {
    for (const target of targets) {
      // Read before anything is written: a server that cannot be read is named, as a failed write would be.
      const [existing] = await failover
        .discoverFailover(target)
        .catch((error: unknown) => Promise.reject(serverProblem(target, error, 'Nothing was changed.', [])));
      if (existing) {
        throw ProblemException.conflict(
          `Server ${target.name} already has failover configured (${existing.mode}, peers ${existing.peers.map((p) => p.name).join(', ')}); ` +
            'adopt or remove that relationship first.',
          { serverId: target.id },
        );
      }
    }
  }

  private async record(
    dto: CreateRelationshipDto,
    spec: FailoverSpec,
    changes: FailoverChange[],
    actor: Actor,
    status: RelationshipEntity['status'] = 'unknown',
  ): Promise<RelationshipEntity> {
    const id = randomUUID();
    const { settings, secrets } = splitSecrets(spec.settings);
    return this.dataSource.transaction(async (manager) => {
      const relationship = await manager
        .save(
          manager.create(RelationshipEntity, {
            id,
            name: dto.name,
            vendor: dto.vendor,
            mode: dto.mode,
            settings,
            sealedSecrets: sealRelationshipSecrets(this.box, id, secrets),
            status,
            statusCheckedAt: null,
            servers: spec.sides.map((side, position) =>
              manager.create(RelationshipServerEntity, {
                position,
                serverId: side.target.id,
                role: side.role,
                peerName: side.peerName,
                settings: side.settings,
              }),
            ),
          }),
        )
        .catch((error: unknown) => conflictOnDuplicate(error, nameTakenDetail('relationship', dto.name)));
      await this.audit.record(manager, {
        action: 'relationship.created',
        targetType: 'relationship',
        targetId: relationship.id,
        ...actor,
        details: {
          name: dto.name,
          vendor: dto.vendor,
          mode: dto.mode,
          servers: changeDigests(
            spec.sides.map((s) => s.target),
            changes,
          ),
        },
      });
      return relationship;
    });
  }
}
