import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { JobCatalogueNames } from './job-catalogue.token.js';
import { JobHandlerRegistry } from './job-handler.registry.js';
import { JobRecordsService } from './job-records.service.js';
import { JobWorkersService } from './job-workers.service.js';
import { JobsController } from './jobs.controller.js';
import { JobsService } from './jobs.service.js';
import { createQueueBackend, QueueBackend } from './queue-backend.js';
import { QueueBackendCloser } from './queue-backend.closer.js';

export interface JobsModuleOptions {
  catalogue: Readonly<Record<string, readonly string[]>>;
  /** Whether this process runs workers (the worker entrypoint, or the default all-in-one process). */
  worker: boolean;
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
      ...(options.worker ? [JobWorkersService] : []),
    ];
    return {
      module: JobsModule,
      controllers: [JobsController],
      providers: [...providers, QueueBackendCloser, JobsService],
      exports: [QueueBackend, JobHandlerRegistry, JobRecordsService],
    };
  }
}
