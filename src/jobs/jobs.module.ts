import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AppConfig } from '../config/app-config.js';
import { JobCatalogueNames } from './job-catalogue.token.js';
import { JobChangeWatcher } from './job-change-watcher.js';
import { JobHandlerRegistry } from './job-handler.registry.js';
import { JobRecordsService } from './job-records.service.js';
import { JobRetentionService } from './job-retention.service.js';
import { JobWorkersService } from './job-workers.service.js';
import { JobsController } from './jobs.controller.js';
import { JobsService } from './jobs.service.js';
import { createQueueBackend, QueueBackend } from './queue-backend.js';
import { QueueBackendCloser } from './queue-backend.closer.js';
import { DashboardAccess } from './queue-dashboard/dashboard-access.js';
import { QueueDashboardService } from './queue-dashboard/queue-dashboard.service.js';

export interface JobsModuleOptions {
  catalogue: Readonly<Record<string, readonly string[]>>;
  /** Whether this process runs workers (the worker entrypoint, or the default all-in-one process). */
  worker: boolean;
  /** Whether this process serves HTTP (then it mounts the queue dashboard). */
  api: boolean;
}

@Global()
@Module({})
export class JobsModule {
  static forRoot(options: JobsModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: JobCatalogueNames, useValue: new JobCatalogueNames(options.catalogue) },
      {
        provide: QueueBackend,
        inject: [AppConfig],
        useFactory: (config: AppConfig) => createQueueBackend(config),
      },
      JobHandlerRegistry,
      JobRecordsService,
      JobRetentionService,
      ...(options.worker ? [JobWorkersService] : []),
      ...(options.api ? [DashboardAccess, QueueDashboardService] : []),
    ];
    return {
      module: JobsModule,
      imports: options.api ? [AuthModule] : [],
      controllers: [JobsController],
      providers: [...providers, QueueBackendCloser, JobsService, JobChangeWatcher],
      exports: [QueueBackend, JobHandlerRegistry, JobRecordsService],
    };
  }
}
