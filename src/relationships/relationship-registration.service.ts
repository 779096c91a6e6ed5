import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { ProblemType } from '../common/problem/problem-types.js';
import { Permission } from '../permissions/permission.js';
import { PermissionService } from '../permissions/permission.service.js';
import { ServerLockService } from '../servers/server-lock.service.js';
import { ServersService } from '../servers/servers.service.js';
import type { FailoverChange, ServerTarget } from '../vendors/driver.js';
import { applyToBoth, changeDigests } from './failover-writes.js';
import { RelationshipsService } from './relationships.service.js';

/**
 * A member's changed registration reaches its relationships in the same PATCH /servers/{id}, where the servers'
 * failover configuration holds it (Kea 2.2: each HA entry names both agents' URLs and the partner's credentials).
 * Without this, the partners keep the old URL or password and both go partner-down until the relationship is
 * written again. Both servers change or neither (as a relationship PATCH), and a refusal refuses the server PATCH.
 */
@Injectable()
export class RelationshipRegistrationService implements OnModuleInit {
  constructor(
    private readonly relationships: RelationshipsService,
    private readonly servers: ServersService,
    private readonly locks: ServerLockService,
    private readonly audit: AuditService,
    private readonly permissions: PermissionService,
  ) {}

  onModuleInit(): void {
    this.servers.followRegistrations((server, manager, actor) => this.follow(server, manager, actor));
  }

  private async follow(
    server: ServerTarget,
    manager: EntityManager,
    actor: Actor,
  ): Promise<(() => Promise<void>) | undefined> {
    const failover = this.relationships.failoverOf(server.vendor);
    if (!failover.holdsPartnerConnection) return undefined;
    // Managed ones only: a relationship only found on the servers is theirs to change.
    const rows: Array<{ id: string }> = await manager.query(
      `SELECT r.id FROM relationships r JOIN relationship_servers s ON s.relationship_id = r.id
        WHERE s.server_id = $1 AND NOT r.discovered ORDER BY r.id`,
      [server.id],
    );
    if (rows.length > 0) await this.assertMayRewrite(server, rows[0].id, actor);
    const done: FailoverChange[] = [];
    const undo = async (): Promise<void> => {
      await Promise.allSettled(done.map((change) => change.undo()));
    };
    try {
      for (const { id } of rows) {
        const relationship = await this.relationships.get(id);
        const spec = await this.relationships.specOf(relationship);
        // The registration as the PATCH leaves it: not committed yet, so not what specOf read.
        for (const side of spec.sides) if (side.target.id === server.id) side.target = server;
        const targets = spec.sides.map((side) => side.target);
        const changes = await this.locks.withServers(
          targets.map((target) => target.id),
          () => applyToBoth(failover, spec, actor),
        );
        done.push(...changes);
        await this.audit.record(manager, {
          action: 'relationship.updated',
          targetType: 'relationship',
          targetId: id,
          ...actor,
          details: {
            changed: ['servers'],
            cause: { serverUpdated: server.id },
            servers: changeDigests(targets, changes),
          },
        });
      }
    } catch (error) {
      await undo();
      throw error;
    }
    return done.length > 0 ? undo : undefined;
  }

  /**
   * The rewrite changes the partner too, which `administer-dhcp-servers` on this server alone does not cover: it
   * needs what a relationship PATCH needs.
   */
  private async assertMayRewrite(server: ServerTarget, relationshipId: string, actor: Actor): Promise<void> {
    const permission = Permission.dhcpAdministrator;
    if (await this.permissions.may(actor.principalId, permission, { type: 'global' })) return;
    const relationship = await this.relationships.get(relationshipId);
    throw new ProblemException(
      403,
      ProblemType.forbidden,
      'Permission denied',
      `${server.name} is in relationship "${relationship.name}", whose HA entries on both servers hold its ` +
        `connection: changing it rewrites them, which needs the permission "${permission}" (global), as a ` +
        'relationship PATCH does; ask an administrator for a grant, or to make this change. Nothing was changed.',
      { missingPermission: permission },
    );
  }
}
