import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { assertIfMatch } from '../common/http/etag.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { ServerLockService } from '../servers/server-lock.service.js';
import { ServersService } from '../servers/servers.service.js';
import type { FailoverOperations, FailoverSpec, ServerTarget } from '../vendors/driver.js';
import type { CreateRelationshipDto, UpdateRelationshipDto } from './dto/relationship.dto.js';
import { allOrNothing, changeDigests, rolledBackAuditOf, writeContext } from './failover-writes.js';
import { assertRelationshipShape, settingsForMode } from './relationship-rules.js';
import { membersInOrder, RelationshipEntity } from './relationship.entity.js';
import { RelationshipsService } from './relationships.service.js';
import { openRelationshipSecrets, sealRelationshipSecrets, splitSecrets } from './relationship-secrets.js';
import type { RelationshipEntity as Relationship } from './relationship.entity.js';

/** PATCH of a relationship: the new parameters are written to both servers (all or nothing), then recorded. */
@Injectable()
export class RelationshipUpdateService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly relationships: RelationshipsService,
    private readonly servers: ServersService,
    private readonly locks: ServerLockService,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
  ) {}

  async update(
    id: string,
    dto: UpdateRelationshipDto,
    ifMatch: string | undefined,
    actor: Actor,
  ): Promise<RelationshipEntity> {
    // Checked at once, so that a bad request or a stale ETag does not wait for the servers' lock.
    const first = await this.relationships.getManaged(id);
    assertIfMatch(ifMatch, first.version);
    await this.plan(first, dto);
    return this.locks.withServers(
      membersInOrder(first).map((member) => member.serverId),
      async () => {
        // Again under both servers' lock, before anything is written: a PATCH that ran meanwhile is what this one
        // merges into (else its settings would be written back over) and what If-Match is checked against (else a
        // stale PATCH would write both servers before its 412, and write them again to undo).
        const current = await this.relationships.getManaged(id);
        assertIfMatch(ifMatch, current.version);
        return this.apply(current, dto, ifMatch, actor, await this.plan(current, dto));
      },
    );
  }

  /** What `dto` makes of `current`: validated, with the spec to write and the row's new settings and secrets. */
  private async plan(current: RelationshipEntity, dto: UpdateRelationshipDto): Promise<UpdatePlan> {
    const id = current.id;
    const members = membersInOrder(current);
    if (
      dto.servers &&
      !sameServers(
        dto.servers.map((s) => s.serverId),
        members.map((m) => m.serverId),
      )
    ) {
      throw ProblemException.validation([
        {
          field: 'servers',
          message: 'the two servers of a relationship cannot change; create another relationship',
        },
      ]);
    }
    const peerName = dto.settings?.['peerName'];
    if (current.vendor === 'isc' && peerName !== undefined && peerName !== members[0]?.peerName) {
      throw ProblemException.validation([
        {
          field: 'settings.peerName',
          message: `the failover peer name is fixed once created ("${members[0]?.peerName}"); create another relationship`,
        },
      ]);
    }
    const servers = members.map((member) => {
      const given = dto.servers?.find((server) => server.serverId === member.serverId);
      return {
        serverId: member.serverId,
        role: given?.role ?? member.role,
        // Merged like the top-level settings: absent keeps, null removes.
        settings: given?.settings ? mergeSettings(member.settings, given.settings) : member.settings,
      };
    }) as CreateRelationshipDto['servers'];
    const mode = dto.mode ?? current.mode;
    // A change of mode drops the stored settings of the mode left (Windows: its percentage; ISC: its split; Kea:
    // load-balancing's delayedUpdatesLimit, passive-backup's waitBackupAck).
    const kept = settingsForMode(current.vendor, current.mode, mode, current.settings, dto.settings ?? {});
    const mergedSettings = mergeSettings(kept, dto.settings ?? {});
    const merged: CreateRelationshipDto = {
      name: current.name,
      vendor: current.vendor,
      mode,
      servers,
      settings: mergedSettings,
    };
    const settings = assertRelationshipShape(merged, dto.settings ?? {});
    const failover = this.relationships.failoverOf(current.vendor);
    if (failover.scopes && current.status !== 'empty') assertChangeable(current, merged);
    // Secrets: a new one replaces the sealed one, `null` withdraws it, absent keeps it (and is not sent again).
    const givenSecret = dto.settings?.['sharedSecret'];
    const { settings: clearSettings, secrets } = splitSecrets(settings);
    const keptSecrets =
      givenSecret === undefined ? openRelationshipSecrets(this.box, id, current.sealedSecrets) : {};
    // Only for an undo: a secret sealed under a lost ENCRYPTION_KEY must not stop the PATCH that sends a new one.
    const previousSecrets =
      givenSecret === undefined
        ? undefined
        : openedOrNone(() => openRelationshipSecrets(this.box, id, current.sealedSecrets));
    if (givenSecret === null) clearSettings['messageAuthentication'] = false;
    // Windows never returns a shared secret: one adopted with authentication on has none sealed, only the flag it was
    // found with (splitSecrets drops it as read-only), which a PATCH that neither sends nor withdraws a secret keeps.
    if (givenSecret === undefined && current.settings['messageAuthentication'] === true) {
      clearSettings['messageAuthentication'] = true;
    }
    const sealedSecrets = sealRelationshipSecrets(this.box, id, { ...keptSecrets, ...secrets });
    const targets = await Promise.all(members.map((member) => this.servers.target(member.serverId)));
    const spec: FailoverSpec = {
      // The name on the servers (Windows: a discovered one may be recorded under another, see specOf).
      name: this.relationships.nameOnServers(current),
      mode: merged.mode,
      // The nulls go to the driver too: a vendor that keeps what the server has for a key the record lacks (ISC
      // starts from the current declaration) writes the default instead; Windows withdraws the secret.
      settings: { ...settings, ...nullsIn(dto.settings ?? {}) },
      ...(previousSecrets ? { previousSecrets } : {}),
      sides: [0, 1].map((i) => ({
        target: targets[i],
        role: servers[i].role,
        peerName: members[i].peerName,
        settings: { ...(servers[i].settings ?? {}) },
      })) as FailoverSpec['sides'],
    };
    return { spec, targets, failover, clearSettings, sealedSecrets };
  }

  /** Writes `plan` to both servers (all or nothing), then records it; the servers are put back when that fails. */
  private async apply(
    current: RelationshipEntity,
    dto: UpdateRelationshipDto,
    ifMatch: string | undefined,
    actor: Actor,
    { spec, targets, failover, clearSettings, sealedSecrets }: UpdatePlan,
  ): Promise<RelationshipEntity> {
    const id = current.id;
    // Windows: an empty relationship is only a record until its first scope.
    const onServers = !(failover.scopes && current.status === 'empty');
    const changes = onServers
      ? await allOrNothing(
          targets,
          (_target, index) => failover.applyFailover(index as 0 | 1, spec, writeContext(actor)),
          rolledBackAuditOf(this.dataSource, this.audit, actor, 'update', current.name),
        )
      : [];
    try {
      return await this.dataSource.transaction(async (manager) => {
        // Lock the row itself: FOR UPDATE cannot reach through the outer join that loads the members.
        await manager.query('SELECT 1 FROM relationships WHERE id = $1 FOR UPDATE', [id]);
        const row = await manager.findOneOrFail(RelationshipEntity, { where: { id } });
        // Writers that do not take the servers' lock (GET .../state refreshing the status) may have moved it on.
        assertIfMatch(ifMatch, row.version);
        row.mode = spec.mode;
        row.settings = clearSettings;
        row.sealedSecrets = sealedSecrets;
        for (const member of row.servers) {
          const side = spec.sides[member.position];
          member.role = side.role;
          member.settings = side.settings;
        }
        // Always a new version (the ETag): a change of the members alone would not update the row itself.
        row.updatedAt = new Date();
        const saved = await manager.save(row);
        await this.audit.record(manager, {
          action: 'relationship.updated',
          targetType: 'relationship',
          targetId: id,
          ...actor,
          details: {
            changed: Object.keys(dto),
            mode: spec.mode,
            servers: changeDigests(targets, changes),
          },
        });
        return saved;
      });
    } catch (error) {
      await Promise.allSettled(changes.map((change) => change.undo()));
      throw error;
    }
  }
}

/** A PATCH made ready to write: the spec for the servers, and the row's new settings and sealed secrets. */
interface UpdatePlan {
  spec: FailoverSpec;
  targets: ServerTarget[];
  failover: FailoverOperations;
  clearSettings: Record<string, unknown>;
  sealedSecrets: string | null;
}

/**
 * What Set-DhcpServerv4Failover cannot change on a relationship that exists on the servers: which server is the
 * primary (active) one (it has no role parameter) and, with it, the mode (the roles of the other mode would be
 * guessed). Everything else (MCLT, percentages, state switchover, shared secret) it can.
 */
function assertChangeable(current: Relationship, merged: CreateRelationshipDto): void {
  const errors = [];
  if (merged.mode !== current.mode) {
    errors.push({
      field: 'mode',
      message: `Windows cannot change the mode of relationship "${current.name}" in place (Set-DhcpServerv4Failover sets no server role); remove it and create it again, or change it while it is empty`,
    });
  }
  for (const member of current.servers) {
    const given = merged.servers.find((server) => server.serverId === member.serverId);
    if (given && given.role !== member.role) {
      errors.push({
        field: 'servers',
        message: `Windows cannot change the role of a server in relationship "${current.name}" in place (Set-DhcpServerv4Failover has no role); remove it and create it again, or change it while it is empty`,
      });
      break;
    }
  }
  if (errors.length > 0) throw ProblemException.validation(errors);
}

/** `given` over `stored`: a key absent (or undefined, as the DTO leaves it) keeps the stored value, null removes it. */
function mergeSettings(stored: Record<string, unknown>, given: object): Record<string, unknown> {
  const sent = Object.entries(given).filter(([, value]) => value !== undefined);
  return withoutNulls({ ...stored, ...Object.fromEntries(sent) });
}

function withoutNulls(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== null));
}

function openedOrNone(open: () => Record<string, string>): Record<string, string> | undefined {
  try {
    return open();
  } catch {
    return undefined;
  }
}

function nullsIn(given: object): Record<string, null> {
  return Object.fromEntries(
    Object.entries(given).flatMap(([key, value]) => (value === null ? [[key, null]] : [])),
  );
}

function sameServers(a: string[], b: string[]): boolean {
  return [...a].sort().join() === [...b].sort().join();
}
