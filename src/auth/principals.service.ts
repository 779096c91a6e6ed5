import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, ILike, type FindOptionsWhere } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
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
import { ADMINISTRATORS_ROLE_ID } from '../permissions/built-in-roles.js';
import type { Actor } from './actor.js';
import type { CreatePrincipalDto, PrincipalQuery, UpdatePrincipalDto } from './principal.dto.js';
import { apiKeyEntry } from './api-key-audit.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { PrincipalEntity } from './principal.entity.js';
import { grantEntry } from '../permissions/grant-audit.js';
import { GrantEntity } from '../permissions/grant.entity.js';
import { lockAdministrators } from '../permissions/administrators-lock.js';

@Injectable()
export class PrincipalsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreatePrincipalDto, actor: Actor): Promise<PrincipalEntity> {
    return this.dataSource.transaction(async (manager) => {
      await assertNameFree(manager, PrincipalEntity, 'principal', dto.name);
      const principal = await manager
        .save(
          manager.create(PrincipalEntity, {
            name: dto.name,
            kind: dto.kind,
            description: dto.description ?? '',
          }),
        )
        .catch((error: unknown) => conflictOnDuplicate(error, nameTakenDetail('principal', dto.name)));
      await this.audit.record(manager, {
        action: 'principal.created',
        targetType: 'principal',
        targetId: principal.id,
        principalId: actor.principalId,
        correlationId: actor.correlationId,
        details: { name: principal.name, kind: principal.kind },
      });
      return principal;
    });
  }

  async list(query: PrincipalQuery): Promise<Page<PrincipalEntity>> {
    const where: FindOptionsWhere<PrincipalEntity> = {};
    if (query.name) where.name = ILike(likePattern(query.name));
    if (query.kind) where.kind = query.kind;
    if (query.disabled !== undefined) where.disabled = query.disabled;
    const [items, total] = await this.dataSource
      .getRepository(PrincipalEntity)
      .findAndCount({ where, order: { name: 'ASC' }, ...pageWindow(query) });
    return toPage(items, total, query);
  }

  get(id: string): Promise<PrincipalEntity> {
    return findRow(this.dataSource.manager, PrincipalEntity, id, 'Principal');
  }

  async update(
    id: string,
    dto: UpdatePrincipalDto,
    ifMatch: string | undefined,
    actor: Actor,
  ): Promise<PrincipalEntity> {
    return this.dataSource.transaction(async (manager) => {
      if (dto.disabled === true) await lockAdministrators(manager);
      const principal = await lockRow(manager, PrincipalEntity, id, 'Principal');
      assertIfMatch(ifMatch, principal.version);
      if (dto.disabled === true && !principal.disabled) {
        await this.assertNotLastAdministrator(manager, id, 'disable');
      }
      if (dto.name !== undefined) await assertNameFree(manager, PrincipalEntity, 'principal', dto.name, id);
      const given = changedFields(principal, givenFields(dto));
      if (Object.keys(given).length === 0) return principal;
      Object.assign(principal, given);
      const saved = await manager
        .save(principal)
        .catch((error: unknown) => conflictOnDuplicate(error, nameTakenDetail('principal', dto.name ?? '')));
      await this.audit.record(manager, {
        action: 'principal.updated',
        targetType: 'principal',
        targetId: id,
        principalId: actor.principalId,
        correlationId: actor.correlationId,
        details: { changed: Object.keys(given) },
      });
      return saved;
    });
  }

  async remove(id: string, ifMatch: string | undefined, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await lockAdministrators(manager);
      const principal = await lockRow(manager, PrincipalEntity, id, 'Principal');
      assertIfMatch(ifMatch, principal.version);
      await this.assertNotLastAdministrator(manager, id, 'delete');
      // Its grants and API keys go with it (the foreign keys cascade): each is audited, as when a server goes.
      const grants = await manager.findBy(GrantEntity, { principalId: id });
      const keys = await manager.findBy(ApiKeyEntity, { principalId: id });
      await manager.delete(PrincipalEntity, { id });
      await this.audit.record(manager, {
        action: 'principal.deleted',
        targetType: 'principal',
        targetId: id,
        principalId: actor.principalId,
        correlationId: actor.correlationId,
        details: {
          name: principal.name,
          grantsRemoved: grants.map((grant) => grant.id),
          apiKeysRemoved: keys.map((key) => key.id),
        },
      });
      const reason = `principal ${principal.name} (${id}) was deleted`;
      for (const grant of grants) {
        await this.audit.record(manager, grantEntry('grant.deleted', grant, actor, { reason }));
      }
      for (const key of keys) {
        await this.audit.record(manager, apiKeyEntry('api-key.deleted', key, actor, { reason }));
      }
    });
  }

  /**
   * Nobody may lock everyone out: the last enabled holder of a global Administrators grant stays. Call with
   * {@link lockAdministrators} held (taken before any row lock, so that no two orders can deadlock).
   */
  private async assertNotLastAdministrator(manager: EntityManager, id: string, verb: string): Promise<void> {
    const holders: Array<{ principal_id: string }> = await manager.query(
      `SELECT g.principal_id FROM grants g JOIN principals p ON p.id = g.principal_id
        WHERE g.role_id = $1 AND g.resource_type = 'global' AND NOT p.disabled FOR UPDATE OF g`,
      [ADMINISTRATORS_ROLE_ID],
    );
    const ids = new Set(holders.map((holder) => holder.principal_id));
    if (ids.size === 1 && ids.has(id)) {
      throw ProblemException.conflict(
        `Cannot ${verb} the last enabled principal holding the Administrators role globally; grant it to another principal first.`,
      );
    }
  }
}
