import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type FindOptionsWhere, IsNull } from 'typeorm';
import type { Actor } from '../auth/actor.js';
import { PrincipalEntity } from '../auth/principal.entity.js';
import { AuditService } from '../audit/audit.service.js';
import { assertIfMatch } from '../common/http/etag.js';
import { pageWindow, toPage, type Page } from '../common/http/pagination.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import type { FieldError } from '../common/problem/problem-details.js';
import { findRow, lockRow } from '../database/rows.js';
import { ServerEntity } from '../servers/server.entity.js';
import { lockAdministrators } from './administrators-lock.js';
import { grantEntry } from './grant-audit.js';
import { ADMINISTRATORS_ROLE_ID } from './built-in-roles.js';
import type { CreateGrantDto, GrantQuery } from './grant.dto.js';
import { GrantEntity } from './grant.entity.js';
import { grantShapeErrors } from './grant-rules.js';
import { RoleEntity } from './role.entity.js';

@Injectable()
export class GrantsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateGrantDto, actor: Actor): Promise<GrantEntity> {
    const shape = grantShapeErrors(dto);
    if (shape.length > 0) {
      throw ProblemException.validation(shape);
    }
    return this.dataSource.transaction(async (manager) => {
      const missing: FieldError[] = [];
      // Locked: grants of one principal are created one at a time, so the duplicate check below holds.
      const principal = await manager.findOne(PrincipalEntity, {
        where: { id: dto.principalId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!principal) {
        missing.push({ field: 'principalId', message: `principal ${dto.principalId} does not exist` });
      }
      // Share-locked: a role or server deleted meanwhile is waited for and then found missing (400), instead of
      // failing the insert on its foreign key (500); a delete that comes second sees the grant.
      const share = { mode: 'pessimistic_read' } as const;
      if (dto.roleId && !(await manager.findOne(RoleEntity, { where: { id: dto.roleId }, lock: share }))) {
        missing.push({ field: 'roleId', message: `role ${dto.roleId} does not exist` });
      }
      const serverId = dto.resource.serverId ?? null;
      if (serverId && !(await manager.findOne(ServerEntity, { where: { id: serverId }, lock: share }))) {
        missing.push({ field: 'resource.serverId', message: `server ${serverId} does not exist` });
      }
      if (missing.length > 0) {
        throw ProblemException.validation(missing);
      }
      const permissions = dto.permissions ?? [];
      const same = await manager.findBy(GrantEntity, {
        principalId: dto.principalId,
        roleId: dto.roleId ?? IsNull(),
        resourceType: dto.resource.type,
        serverId: serverId ?? IsNull(),
        network: dto.resource.network ?? IsNull(),
      });
      const duplicate = same.find((grant) => samePermissions(grant.permissions, permissions));
      if (duplicate) {
        throw ProblemException.conflict(
          `Principal ${dto.principalId} has this grant already (grant ${duplicate.id}): same role, permissions ` +
            'and resource.',
          { existingGrantId: duplicate.id },
        );
      }
      const grant = await manager.save(
        manager.create(GrantEntity, {
          principalId: dto.principalId,
          roleId: dto.roleId ?? null,
          permissions,
          resourceType: dto.resource.type,
          serverId,
          network: dto.resource.network ?? null,
          createdBy: actor.principalId,
        }),
      );
      await this.audit.record(manager, grantEntry('grant.created', grant, actor, { resource: dto.resource }));
      return grant;
    });
  }

  async list(query: GrantQuery): Promise<Page<GrantEntity>> {
    const where: FindOptionsWhere<GrantEntity> = {};
    if (query.principalId) where.principalId = query.principalId;
    if (query.roleId) where.roleId = query.roleId;
    if (query.serverId) where.serverId = query.serverId;
    if (query.resourceType) where.resourceType = query.resourceType;
    const [items, total] = await this.dataSource
      .getRepository(GrantEntity)
      .findAndCount({ where, order: { createdAt: 'ASC' }, ...pageWindow(query) });
    return toPage(items, total, query);
  }

  get(id: string): Promise<GrantEntity> {
    return findRow(this.dataSource.manager, GrantEntity, id, 'Grant');
  }

  async remove(id: string, ifMatch: string | undefined, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // Locks in the order used everywhere else, the administrators' lock before the row: whether this grant is an
      // Administrators one is known only once it is read, and deleting grants is rare enough to serialize them all.
      await lockAdministrators(manager);
      const grant = await lockRow(manager, GrantEntity, id, 'Grant');
      assertIfMatch(ifMatch, grant.version);
      if (grant.roleId === ADMINISTRATORS_ROLE_ID && grant.resourceType === 'global') {
        const others = await manager
          .createQueryBuilder(GrantEntity, 'g')
          .innerJoin(PrincipalEntity, 'p', 'p.id = g.principal_id')
          .where('g.role_id = :role AND g.resource_type = :global AND g.id <> :id AND NOT p.disabled', {
            role: ADMINISTRATORS_ROLE_ID,
            global: 'global',
            id,
          })
          .getCount();
        if (others === 0) {
          throw ProblemException.conflict(
            'This is the last global Administrators grant; grant the role to another enabled principal first.',
          );
        }
      }
      await manager.delete(GrantEntity, { id });
      await this.audit.record(manager, grantEntry('grant.deleted', grant, actor));
    });
  }
}

/** The same set of permission names, in any order. */
function samePermissions(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((permission) => set.has(permission));
}
