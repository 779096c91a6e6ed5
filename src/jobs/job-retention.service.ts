import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../observability/metrics.service.js';
import { JobRecordEntity } from './job-record.entity.js';
import { FINISHED_JOB_STATES } from './job-state.js';

/** How often finished jobs past their retention are looked for. */
export const RETENTION_SWEEP_MS = 3600_000;
/** The first look after start: soon, but not in the way of start-up itself. */
const FIRST_SWEEP_MS = 60_000;
/** Jobs removed per statement: short transactions whatever the backlog. */
const BATCH = 500;
/** Statements per sweep at most; a larger backlog goes on at the next sweep. */
const MAX_BATCHES = 200;

/**
 * Removes finished jobs once JOB_RETENTION_DAYS have passed since they finished, with their diffs (a large
 * replication's are megabytes: kept for ever, a pipeline replicating every few minutes would fill the database).
 * Queued and running jobs are never touched; the audit trail keeps its events (they name the job's id). Every
 * process sweeps: rows another process is removing are skipped (SKIP LOCKED), so sweeps never wait on each other.
 */
@Injectable()
export class JobRetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JobRetentionService.name);
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.jobs.retentionMs > 0) this.schedule(FIRST_SWEEP_MS);
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Removes the jobs that finished before `now` less the retention; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    if (this.config.jobs.retentionMs === 0) return 0;
    const cutoff = new Date(now.getTime() - this.config.jobs.retentionMs);
    let removed = 0;
    for (let batch = 0; batch < MAX_BATCHES && !this.stopped; batch++) {
      const result = await this.dataSource
        .createQueryBuilder()
        .delete()
        .from(JobRecordEntity)
        .where(
          'id IN (SELECT id FROM jobs WHERE state IN (:...states) AND finished_at < :cutoff ' +
            'ORDER BY finished_at LIMIT :limit FOR UPDATE SKIP LOCKED)',
          { states: FINISHED_JOB_STATES, cutoff, limit: BATCH },
        )
        .execute();
      const count = result.affected ?? 0;
      removed += count;
      if (count < BATCH) break;
    }
    if (removed > 0) {
      this.metrics.jobsRemoved.inc(removed);
      this.logger.log(
        { removed, finishedBefore: cutoff.toISOString() },
        'Finished jobs past their retention removed',
      );
    }
    return removed;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweep()
        .catch((error: unknown) =>
          // The next sweep tries again: a database away for a moment loses nothing here.
          this.logger.warn(
            `Could not remove finished jobs past their retention: ${(error as Error).message}`,
          ),
        )
        .finally(() => this.schedule(RETENTION_SWEEP_MS));
    }, delayMs);
    // Never what keeps the process alive.
    this.timer.unref();
  }
}
