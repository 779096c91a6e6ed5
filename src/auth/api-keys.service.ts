import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, IsNull, Not, type FindOptionsWhere } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { assertIfMatch } from '../common/http/etag.js';
import { pageWindow, toPage, type Page } from '../common/http/pagination.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { findRow, lockRow } from '../database/rows.js';
import type { Actor } from './actor.js';
import { apiKeyEntry } from './api-key-audit.js';
import type { ApiKeyQuery, CreateApiKeyDto } from './api-key.dto.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { digestApiKey, displayPrefix, generateApiKey } from './api-key-secret.js';
import { PrincipalEntity } from './principal.entity.js';

@Injectable()
export class ApiKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateApiKeyDto, actor: Actor): Promise<{ entity: ApiKeyEntity; key: string }> {
    return this.dataSource.transaction(async (manager) => {
      // Share-locked: a principal deleted meanwhile is waited for and then found missing (400), instead of failing
      // the insert on its foreign key (500).
      const principal = await manager.findOne(PrincipalEntity, {
        where: { id: dto.principalId },
        lock: { mode: 'pessimistic_read' },
      });
      if (!principal) {
        throw ProblemException.validation([
          { field: 'principalId', message: `principal ${dto.principalId} does not exist` },
        ]);
      }
      if (principal.disabled) {
        // A key that could not authenticate would only look like access.
        throw ProblemException.conflict(
          `Principal "${principal.name}" (${principal.id}) is disabled, so a key for it could not authenticate; ` +
            `enable it first (PATCH /api/v1/principals/${principal.id} with {"disabled": false}), then create the key.`,
          { principalId: principal.id },
        );
      }
      const key = generateApiKey();
      const entity = await issueKey(manager, principal.id, key, dto.name ?? '', dto.expiresAt ?? null);
      await this.audit.record(manager, apiKeyEntry('api-key.created', entity, actor));
      return { entity, key };
    });
  }

  async list(query: ApiKeyQuery): Promise<Page<ApiKeyEntity>> {
    const where: FindOptionsWhere<ApiKeyEntity> = {};
    if (query.principalId) where.principalId = query.principalId;
    if (query.revoked !== undefined) where.revokedAt = query.revoked ? Not(IsNull()) : IsNull();
    const [items, total] = await this.dataSource
      .getRepository(ApiKeyEntity)
      .findAndCount({ where, order: { createdAt: 'DESC' }, ...pageWindow(query) });
    return toPage(items, total, query);
  }

  get(id: string): Promise<ApiKeyEntity> {
    return findRow(this.dataSource.manager, ApiKeyEntity, id, 'API key');
  }

  /** Revokes a key at once; it stays listed (revokedAt set) for the record. Revoking twice is harmless. */
  async revoke(id: string, ifMatch: string | undefined, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const key = await lockRow(manager, ApiKeyEntity, id, 'API key');
      assertIfMatch(ifMatch, key.version);
      if (key.revokedAt) {
        return;
      }
      key.revokedAt = new Date();
      await manager.save(key);
      await this.audit.record(manager, apiKeyEntry('api-key.revoked', key, actor));
    });
  }
}

/** Stores a key's digest (never the key) for a principal. */
export function issueKey(
  manager: EntityManager,
  principalId: string,
  key: string,
  name: string,
  expiresAt: Date | null,
): Promise<ApiKeyEntity> {
  return manager.save(
    manager.create(ApiKeyEntity, {
      principalId,
      name,
      prefix: displayPrefix(key),
      digest: digestApiKey(key),
      expiresAt,
    }),
  );
}
