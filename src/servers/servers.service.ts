import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, ILike, In, type EntityManager, type FindOptionsWhere } from 'typeorm';
import type { Actor } from '../auth/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { assertIfMatch } from '../common/http/etag.js';
import { pageWindow, toPage, type Page } from '../common/http/pagination.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { changedFields } from '../common/validation/changed-fields.js';
import { givenFields } from '../common/validation/given-fields.js';
import {
  assertNameFree,
  conflictOnDuplicate,
  findRow,
  likePattern,
  lockRow,
  nameTakenDetail,
} from '../database/rows.js';
import { grantEntry } from '../permissions/grant-audit.js';
import { GrantEntity } from '../permissions/grant.entity.js';
import { PermissionService } from '../permissions/permission.service.js';
import type { ServerTarget } from '../vendors/driver.js';
import {
  changedConnection,
  type ConnectionPolicy,
  parseConnection,
  unknownConnectionFields,
} from './connection-settings.js';
import { AppConfig } from '../config/app-config.js';
import type { CreateServerDto, ServerQuery, UpdateServerDto } from './dto/server.dto.js';
import { ServerEntity } from './server.entity.js';
import { openSecrets, sealSecrets } from './server-secrets.js';

/**
 * Rewrites what other servers hold of a server's registration (Kea: its partner's HA peer entry) when its connection
 * changes, inside the PATCH's transaction: a throw refuses the PATCH with nothing recorded (the follower has put the
 * servers back); the undo it returns puts them back should the commit fail.
 */
export type RegistrationFollower = (
  server: ServerTarget,
  manager: EntityManager,
  actor: Actor,
) => Promise<(() => Promise<void>) | undefined>;

@Injectable()
export class ServersService {
  /** Set by the relationships module (which depends on this one), see RegistrationFollower. */
  private follower: RegistrationFollower | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    private readonly permissions: PermissionService,
    private readonly config: AppConfig,
  ) {}

  private get policy(): ConnectionPolicy {
    return { iscLocalTransport: this.config.isc.localTransport };
  }

  async create(dto: CreateServerDto, actor: Actor): Promise<ServerEntity> {
    const { settings, secrets } = parseConnection(dto.vendor, dto.connection, {}, this.policy);
    const id = randomUUID();
    return this.dataSource.transaction(async (manager) => {
      await assertNameFree(manager, ServerEntity, 'server', dto.name);
      const server = await manager
        .save(
          manager.create(ServerEntity, {
            id,
            name: dto.name,
            vendor: dto.vendor,
            address: dto.address,
            description: dto.description ?? '',
            connection: settings,
            sealedSecrets: sealSecrets(this.box, id, secrets),
            secretNames: Object.keys(secrets).sort(),
          }),
        )
        .catch((error: unknown) => conflictOnDuplicate(error, nameTakenDetail('server', dto.name)));
      await this.audit.record(manager, {
        action: 'server.registered',
        targetType: 'server',
        targetId: id,
        ...actor,
        details: {
          name: server.name,
          vendor: server.vendor,
          address: server.address,
          secretsSet: server.secretNames,
        },
      });
      return server;
    });
  }

  async list(query: ServerQuery, principalId: string): Promise<Page<ServerEntity>> {
    const visible = await this.permissions.visibleServers(principalId);
    if (visible !== 'all' && visible.length === 0) {
      return toPage([], 0, query);
    }
    const where: FindOptionsWhere<ServerEntity> = {};
    if (visible !== 'all') where.id = In(visible);
    if (query.vendor) where.vendor = query.vendor;
    if (query.name) where.name = ILike(likePattern(query.name));
    if (query.address) where.address = query.address;
    const [items, total] = await this.dataSource
      .getRepository(ServerEntity)
      .findAndCount({ where, order: { name: 'ASC' }, ...pageWindow(query) });
    return toPage(items, total, query);
  }

  get(id: string): Promise<ServerEntity> {
    return findRow(this.dataSource.manager, ServerEntity, id, 'Server');
  }

  followRegistrations(follower: RegistrationFollower): void {
    this.follower = follower;
  }

  async update(
    id: string,
    dto: UpdateServerDto,
    ifMatch: string | undefined,
    actor: Actor,
  ): Promise<ServerEntity> {
    let undoFollowed: (() => Promise<void>) | undefined;
    try {
      return await this.updateRecord(id, dto, ifMatch, actor, (undo) => (undoFollowed = undo));
    } catch (error) {
      await undoFollowed?.().catch(() => undefined);
      throw error;
    }
  }

  private updateRecord(
    id: string,
    dto: UpdateServerDto,
    ifMatch: string | undefined,
    actor: Actor,
    followed: (undo: () => Promise<void>) => void,
  ): Promise<ServerEntity> {
    return this.dataSource.transaction(async (manager) => {
      const server = await lockRow(manager, ServerEntity, id, 'Server');
      assertIfMatch(ifMatch, server.version);
      if (dto.name !== undefined) await assertNameFree(manager, ServerEntity, 'server', dto.name, id);
      const { connection: _connection, ...fields } = givenFields(dto);
      const changed: string[] = Object.keys(changedFields(server, fields));
      if (dto.connection) {
        const cleared = Object.keys(dto.connection).filter((key) => dto.connection?.[key] === null);
        const unknown = unknownConnectionFields(server.vendor, cleared);
        if (unknown.length > 0) throw ProblemException.validation(unknown);
        const given = Object.fromEntries(
          Object.entries(dto.connection).filter(([, value]) => value !== null),
        );
        // Opened only when some are kept: sending every secret again is how credentials sealed under another
        // ENCRYPTION_KEY are replaced.
        const keeps = server.secretNames.some((name) => !cleared.includes(name) && !(name in given));
        const held = keeps ? openSecrets(this.box, id, server.sealedSecrets) : {};
        const kept = Object.fromEntries(
          Object.entries(held).filter(([name]) => !cleared.includes(name) && !(name in given)),
        );
        const settings = Object.fromEntries(
          Object.entries(server.connection).filter(([key]) => !cleared.includes(key)),
        );
        const merged = parseConnection(server.vendor, { ...settings, ...given }, kept, this.policy);
        const secrets = { ...kept, ...merged.secrets };
        const connectionChanges = changedConnection(
          dto.connection,
          { settings: server.connection, secrets: this.openedOrUnknown(server) },
          { settings: merged.settings, secrets },
        );
        if (connectionChanges.length > 0) {
          server.connection = merged.settings;
          server.sealedSecrets = sealSecrets(this.box, id, secrets);
          server.secretNames = Object.keys(secrets).sort();
          changed.push(...connectionChanges.map((key) => `connection.${key}`));
        }
      }
      // Values sent as they are: nothing to save, audit, or rewrite on a partner (the ETag stays).
      if (changed.length === 0) return server;
      if (dto.name !== undefined) server.name = dto.name;
      if (dto.address !== undefined) server.address = dto.address;
      if (dto.description !== undefined) server.description = dto.description;
      const saved = await manager
        .save(server)
        .catch((error: unknown) => conflictOnDuplicate(error, nameTakenDetail('server', dto.name ?? '')));
      await this.audit.record(manager, {
        action: 'server.updated',
        targetType: 'server',
        targetId: id,
        ...actor,
        details: { changed },
      });
      if (changed.some((key) => key.startsWith('connection.')) && this.follower) {
        const undo = await this.follower(this.targetOf(saved), manager, actor);
        if (undo) followed(undo);
      }
      return saved;
    });
  }

  async remove(id: string, ifMatch: string | undefined, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const server = await lockRow(manager, ServerEntity, id, 'Server');
      assertIfMatch(ifMatch, server.version);
      const memberships: Array<{ id: string; name: string; discovered: boolean }> = await manager.query(
        `SELECT r.id, r.name, r.discovered FROM relationships r JOIN relationship_servers s ON s.relationship_id = r.id
          WHERE s.server_id = $1`,
        [id],
      );
      const managed = memberships.filter((membership) => !membership.discovered);
      if (managed.length > 0) {
        // Ids and the call, not names alone: what a pipeline tearing the estate down needs to go on.
        throw ProblemException.conflict(
          `Server ${server.name} is in relationship(s) ` +
            `${managed.map((m) => `"${m.name}" (${m.id})`).join(', ')}; remove those first ` +
            `(${managed.map((m) => `DELETE /api/v1/relationships/${m.id}`).join(', ')}).`,
          { relationshipId: managed[0].id },
        );
      }
      // A relationship only found on the servers (not adopted) is a record of what they hold, which this service
      // cannot remove without adopting it (and then taking it off the servers): it goes with the server, and the
      // servers keep their configuration. Discovery finds it again should the server be registered again.
      const dropped = memberships.map((membership) => membership.id);
      if (dropped.length > 0) await manager.query('DELETE FROM relationships WHERE id = ANY($1)', [dropped]);
      // Grants on the server (or its scopes) go with it (the foreign key cascades): each is audited as deleted.
      const grants = await manager.findBy(GrantEntity, { serverId: id });
      await manager.delete(ServerEntity, { id });
      await this.audit.record(manager, {
        action: 'server.unregistered',
        targetType: 'server',
        targetId: id,
        ...actor,
        details: {
          name: server.name,
          vendor: server.vendor,
          grantsRemoved: grants.map((grant) => grant.id),
          ...(dropped.length > 0 ? { discoveredRelationshipsDropped: dropped } : {}),
        },
      });
      for (const grant of grants) {
        await this.audit.record(
          manager,
          grantEntry('grant.deleted', grant, actor, {
            reason: `server ${server.name} (${id}) was unregistered`,
          }),
        );
      }
    });
  }

  /** The secrets held, or undefined when they cannot be opened (ENCRYPTION_KEY changed): then every one sent is new. */
  private openedOrUnknown(server: ServerEntity): Record<string, string> | undefined {
    try {
      return openSecrets(this.box, server.id, server.sealedSecrets);
    } catch {
      return undefined;
    }
  }

  /** The server with its secrets opened, for a driver. */
  async target(id: string): Promise<ServerTarget> {
    const server = await this.get(id);
    return this.targetOf(server);
  }

  /** What a driver needs of a server, its secrets opened. */
  private targetOf(server: ServerEntity): ServerTarget {
    return {
      id: server.id,
      name: server.name,
      vendor: server.vendor,
      address: server.address,
      connection: server.connection,
      secrets: openSecrets(this.box, server.id, server.sealedSecrets),
    };
  }
}
