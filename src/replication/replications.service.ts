import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ProblemException } from '../common/problem/problem.exception.js';
import { ProblemType } from '../common/problem/problem-types.js';
import type { FieldError } from '../common/problem/problem-details.js';
import { JobRecordsService } from '../jobs/job-records.service.js';
import type { JobRecordEntity } from '../jobs/job-record.entity.js';
import { Permission } from '../permissions/permission.js';
import { PermissionService } from '../permissions/permission.service.js';
import { RelationshipEntity } from '../relationships/relationship.entity.js';
import { SCOPE_PARTS, type ScopePart } from '../vendors/scope-content.js';
import type { CreateReplicationDto } from './replication.dto.js';
import { planReplication, type ReplicationLeg } from './replication-plan.js';
import { replaceableParts } from './replication-permissions.js';
import type { ReplicationRequest } from './replication-request.js';

/** Accepts replication requests: validates them, checks permissions, and queues one job. */
@Injectable()
export class ReplicationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly permissions: PermissionService,
    private readonly jobs: JobRecordsService,
  ) {}

  async request(
    dto: CreateReplicationDto,
    principalId: string,
    idempotencyKey?: string,
  ): Promise<{ record: JobRecordEntity; created: boolean }> {
    assertShape(dto);
    const request: ReplicationRequest = {
      kind: dto.kind,
      sourceServerId: dto.sourceServerId,
      ...(dto.destinationServerId ? { destinationServerId: dto.destinationServerId } : {}),
      ...(dto.relationshipId ? { relationshipId: dto.relationshipId } : {}),
      ...(dto.network ? { network: dto.network } : {}),
      dryRun: dto.dryRun ?? false,
      ...(dto.nativeReplication === false ? { nativeReplication: false } : {}),
      parts: [...SCOPE_PARTS],
    };
    await this.assertMayAskFrom(request, principalId);
    const legs = planReplication(request, await this.managedRelationships());
    if (legs.length === 0) {
      throw ProblemException.validation([
        { field: 'sourceServerId', message: 'the server is in no managed failover relationship' },
      ]);
    }
    request.parts = await this.allowedParts(request, legs, principalId);
    request.involves = {
      serverIds: [...new Set(legs.flatMap((leg) => [leg.sourceServerId, leg.destinationServerId]))],
      relationshipIds: [...new Set(legs.map((leg) => leg.relationshipId))],
    };
    const { record, created } = await this.jobs.enqueue({
      queue: 'replication',
      name: 'replicate',
      request: request as unknown as Record<string, unknown>,
      requestedBy: principalId,
      idempotencyKey,
    });
    // The key names the job asked for the first time: a retry answers it, another request under it is refused
    // (it would otherwise be told that the first job, e.g. a dry run, is the one it asked for).
    if (!created && !sameRequest(record.request, request)) {
      throw new ProblemException(
        422,
        ProblemType.idempotencyKeyReused,
        'Idempotency-Key reused',
        `This Idempotency-Key was used for another replication (job ${record.id}); use a new key for a new request.`,
      );
    }
    return { record, created };
  }

  /**
   * What the request needs on its source server, checked before relationships are looked up: one without it is
   * refused whatever the relationship, so its answers (a 400 for one that does not exist or a server in none, a 403
   * for one that does) tell it nothing of what exists, as on the relationship routes. allowedParts checks every server.
   */
  private async assertMayAskFrom(request: ReplicationRequest, principalId: string): Promise<void> {
    if (request.kind === 'scope') {
      await this.scopeParts(principalId, request.network!, [request.sourceServerId]);
    } else {
      await this.permissions.assert(principalId, Permission.administerDhcpServers, {
        type: 'server',
        serverId: request.sourceServerId,
      });
    }
  }

  /** The parts the caller's scope bits cover on the scope on every one of `serverIds`; a 403 when none. */
  private async scopeParts(principalId: string, network: string, serverIds: string[]): Promise<ScopePart[]> {
    const parts = await replaceableParts(this.permissions, principalId, network, serverIds);
    if (parts.length === 0) {
      throw ProblemException.forbidden(
        Permission.readWriteScopeOptions,
        `scope ${network} on both servers (or edit-reservations, edit-address-pools, edit-exclusions)`,
      );
    }
    return parts;
  }

  managedRelationships(): Promise<RelationshipEntity[]> {
    return this.dataSource.getRepository(RelationshipEntity).find({ where: { discovered: false } });
  }

  /**
   * A scope replication replaces the parts the caller holds scope bits for (on both servers); relationship- and
   * server-wide ones need administer-dhcp-servers on every server involved and replace everything. Checked when the
   * job is requested and again when it runs.
   */
  async allowedParts(
    request: ReplicationRequest,
    legs: ReplicationLeg[],
    principalId: string,
  ): Promise<ScopePart[]> {
    if (request.kind === 'scope') {
      const leg = legs[0];
      return this.scopeParts(principalId, request.network!, [leg.sourceServerId, leg.destinationServerId]);
    }
    const servers = new Set(legs.flatMap((leg) => [leg.sourceServerId, leg.destinationServerId]));
    for (const serverId of servers) {
      await this.permissions.assert(principalId, Permission.administerDhcpServers, {
        type: 'server',
        serverId,
      });
    }
    return [...SCOPE_PARTS];
  }
}

/** Whether two replication requests ask for the same thing (the parts follow the caller's bits at the time). */
function sameRequest(stored: Record<string, unknown>, asked: ReplicationRequest): boolean {
  const canonical = (request: Record<string, unknown>): string =>
    JSON.stringify(
      Object.keys(request)
        // What the caller asked, not what it came to (its permissions, the relationships of the day).
        .filter((key) => key !== 'parts' && key !== 'involves' && request[key] !== undefined)
        .sort()
        .map((key) => [key, request[key]]),
    );
  return canonical(stored) === canonical(asked as unknown as Record<string, unknown>);
}

function assertShape(dto: CreateReplicationDto): void {
  const errors: FieldError[] = [];
  if (dto.kind !== 'server' && !dto.relationshipId) {
    errors.push({ field: 'relationshipId', message: `a ${dto.kind} replication needs relationshipId` });
  }
  if (dto.kind === 'scope' && !dto.network) {
    errors.push({ field: 'network', message: 'a scope replication needs network, e.g. 10.1.2.0' });
  }
  if (dto.kind !== 'scope' && dto.network) {
    errors.push({ field: 'network', message: 'only a scope replication names a network' });
  }
  if (dto.kind === 'server' && (dto.relationshipId || dto.destinationServerId)) {
    errors.push({
      field: 'kind',
      message:
        "a server replication goes to each relationship's partner; remove relationshipId/destinationServerId",
    });
  }
  if (errors.length > 0) throw ProblemException.validation(errors);
}
