import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../observability/metrics.service.js';
import { JobRetentionService } from './job-retention.service.js';

describe('JobRetentionService', () => {
  it('with JOB_RETENTION_DAYS=0 keeps every job: it never asks the database', async () => {
    const dataSource = {
      createQueryBuilder: () => {
        throw new Error('the database was asked to remove jobs');
      },
    } as unknown as DataSource;
    const config = { jobs: { retentionMs: 0 } } as AppConfig;
    const service = new JobRetentionService(dataSource, config, new MetricsService());
    service.onApplicationBootstrap();
    expect(await service.sweep(new Date(Date.now() + 10_000 * 24 * 3600 * 1000))).toBe(0);
    service.onModuleDestroy();
  });
});
