import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type AuditActor, AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { ADMINISTRATORS_ROLE_ID } from '../permissions/built-in-roles.js';
import { grantEntry } from '../permissions/grant-audit.js';
import { GrantEntity } from '../permissions/grant.entity.js';
import { apiKeyEntry } from './api-key-audit.js';
import { issueKey } from './api-keys.service.js';
import { generateApiKey } from './api-key-secret.js';
import { PrincipalEntity } from './principal.entity.js';

const BOOTSTRAP_LOCK_KEY = 0x0dfc_0002;

/**
 * On the first start (no principal yet) creates the administrator `admin` with BOOTSTRAP_API_KEY, or with a
 * generated key printed once to stdout (deliberately not through the logger, which never carries secrets).
 */
@Injectable()
export class BootstrapAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdminService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const created = await this.dataSource.transaction(async (manager) => {
      // Transaction-scoped lock: two instances starting together create one administrator.
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
      if ((await manager.count(PrincipalEntity)) > 0) {
        return undefined;
      }
      const admin = await manager.save(
        manager.create(PrincipalEntity, {
          name: 'admin',
          kind: 'user',
          description: 'Created at first start',
        }),
      );
      const grant = await manager.save(
        manager.create(GrantEntity, {
          principalId: admin.id,
          roleId: ADMINISTRATORS_ROLE_ID,
          permissions: [],
          resourceType: 'global',
        }),
      );
      const key = this.config.bootstrapApiKey ?? generateApiKey();
      const apiKey = await issueKey(manager, admin.id, key, 'bootstrap', null);
      // In the trail like any other principal, grant and key: made by the service itself (no principal).
      const service: AuditActor = { principalId: null, correlationId: 'bootstrap' };
      await this.audit.record(manager, {
        action: 'principal.created',
        targetType: 'principal',
        targetId: admin.id,
        ...service,
        details: { name: admin.name, kind: admin.kind },
      });
      await this.audit.record(
        manager,
        grantEntry('grant.created', grant, service, { resource: { type: 'global' } }),
      );
      await this.audit.record(manager, apiKeyEntry('api-key.created', apiKey, service));
      return { generated: this.config.bootstrapApiKey ? undefined : key };
    });
    if (!created) {
      return;
    }
    if (created.generated) {
      process.stdout.write(
        `\n  First start: created principal "admin" (Administrators). Its API key, shown this once:\n\n` +
          `    ${created.generated}\n\n  Use it as "Authorization: Bearer <key>" and keep it safe.\n\n`,
      );
    }
    this.logger.warn(
      created.generated
        ? 'Created principal "admin" with a generated API key (printed once on stdout)'
        : 'Created principal "admin" with the key from BOOTSTRAP_API_KEY',
    );
  }
}
