import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type FindOptionsWhere } from 'typeorm';
import type { Actor } from '../auth/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { assertIfMatch } from '../common/http/etag.js';
import { pageWindow, toPage, type Page } from '../common/http/pagination.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { changedFields } from '../common/validation/changed-fields.js';
import { givenFields } from '../common/validation/given-fields.js';
import { assertNameFree, conflictOnDuplicate, findRow, lockRow, nameTakenDetail } from '../database/rows.js';
import { GrantEntity } from './grant.entity.js';
import type { CreateRoleDto, RoleQuery, UpdateRoleDto } from './role.dto.js';
import { RoleEntity } from './role.entity.js';

@Injectable()
export class RolesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateRoleDto, actor: Actor): Promise<RoleEntity> {
    return this.dataSource.transaction(async (manager) => {
      await assertNameFree(manager, RoleEntity, 'role', dto.name);
      const role = await manager
        .save(manager.create(RoleEntity, { ...dto, description: dto.description ?? '', builtIn: false }))
        .catch((error: unknown) => conflictOnDuplicate(error, nameTakenDetail('role', dto.name)));
      await this.audit.record(manager, {
        action: 'role.created',
        targetType: 'role',
        targetId: role.id,
        ...actor,
        details: { name: role.name, permissions: role.permissions },
      });
      return role;
    });
  }

  async list(query: RoleQuery): Promise<Page<RoleEntity>> {
    const where: FindOptionsWhere<RoleEntity> = {};
    if (query.builtIn !== undefined) where.builtIn = query.builtIn;
    const [items, total] = await this.dataSource
      .getRepository(RoleEntity)
      .findAndCount({ where, order: { builtIn: 'DESC', name: 'ASC' }, ...pageWindow(query) });
    return toPage(items, total, query);
  }

  get(id: string): Promise<RoleEntity> {
    return findRow(this.dataSource.manager, RoleEntity, id, 'Role');
  }

  async update(
    id: string,
    dto: UpdateRoleDto,
    ifMatch: string | undefined,
    actor: Actor,
  ): Promise<RoleEntity> {
    return this.dataSource.transaction(async (manager) => {
      const role = await lockRow(manager, RoleEntity, id, 'Role');
      assertBuiltInUntouched(role, 'changed');
      assertIfMatch(ifMatch, role.version);
      if (dto.name !== undefined) await assertNameFree(manager, RoleEntity, 'role', dto.name, id);
      const given = changedFields(role, givenFields(dto));
      if (Object.keys(given).length === 0) return role;
      Object.assign(role, given);
      const saved = await manager
        .save(role)
        .catch((error: unknown) => conflictOnDuplicate(error, nameTakenDetail('role', dto.name ?? '')));
      await this.audit.record(manager, {
        action: 'role.updated',
        targetType: 'role',
        targetId: id,
        ...actor,
        details: { changed: Object.keys(given), permissions: saved.permissions },
      });
      return saved;
    });
  }

  async remove(id: string, ifMatch: string | undefined, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const role = await lockRow(manager, RoleEntity, id, 'Role');
      assertBuiltInUntouched(role, 'deleted');
      assertIfMatch(ifMatch, role.version);
      const inUse = await manager.count(GrantEntity, { where: { roleId: id } });
      if (inUse > 0) {
        throw ProblemException.conflict(
          `Role "${role.name}" is used by ${inUse} grant(s); delete those grants first (GET /api/v1/grants?roleId=${id}).`,
          { grants: inUse },
        );
      }
      await manager.delete(RoleEntity, { id });
      await this.audit.record(manager, {
        action: 'role.deleted',
        targetType: 'role',
        targetId: id,
        ...actor,
        details: { name: role.name },
      });
    });
  }
}

function assertBuiltInUntouched(role: RoleEntity, verb: string): void {
  if (role.builtIn) {
    throw ProblemException.conflict(
      `"${role.name}" is a built-in role and cannot be ${verb}; create a custom role instead.`,
    );
  }
}
