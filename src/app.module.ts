import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from './audit/audit.module.js';
import { AuthGuard } from './auth/auth.guard.js';
import { AuthModule } from './auth/auth.module.js';
import { IdempotencyInterceptor } from './common/idempotency/idempotency.interceptor.js';
import { CryptoModule } from './common/crypto/crypto.module.js';
import { createValidationPipe } from './common/validation/validation.pipe.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { PRODUCT_CATALOGUE } from './jobs/job-catalogue.js';
import { IscPeersModule } from './isc-peers/isc-peers.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { loggerOptions } from './observability/logger.options.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { PermissionGuard } from './permissions/permission.guard.js';
import { PermissionsModule } from './permissions/permissions.module.js';
import { RelationshipsModule } from './relationships/relationships.module.js';
import { ReplicationModule } from './replication/replication.module.js';
import { ScopesModule } from './scopes/scopes.module.js';
import { ServersModule } from './servers/servers.module.js';
import { IscModule } from './vendors/isc/isc.module.js';
import { WindowsModule } from './vendors/windows/windows.module.js';
import { KeaModule } from './vendors/kea/kea.module.js';
import { VendorsModule } from './vendors/vendors.module.js';
import { UnknownQueryInterceptor } from './http/unknown-query.interceptor.js';

export interface AppModuleOptions {
  /** The job catalogue workers run; the product's unless a test brings its own. */
  catalogue?: Readonly<Record<string, readonly string[]>>;
  /** Further feature modules (the job handlers of a catalogue register themselves from theirs). */
  imports?: DynamicModule['imports'];
}

/** The whole service. The API and the worker are the same modules; `config.roles` says which halves run. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggerOptions }),
        DatabaseModule,
        CryptoModule,
        AuditModule,
        ObservabilityModule,
        JobsModule.forRoot({
          catalogue: options.catalogue ?? PRODUCT_CATALOGUE,
          worker: config.roles.worker,
          api: config.roles.api,
        }),
        VendorsModule,
        KeaModule,
        IscModule,
        WindowsModule,
        PermissionsModule,
        AuthModule,
        ServersModule,
        ScopesModule,
        RelationshipsModule,
        IscPeersModule,
        ReplicationModule,
        ...(options.imports ?? []),
      ],
      providers: [
        // Order matters: authenticate first, then check permissions.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: PermissionGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_INTERCEPTOR, useClass: UnknownQueryInterceptor },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
