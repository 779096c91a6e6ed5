import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Worker } from 'bullmq';
import { DataSource, In } from 'typeorm';
import { toProblem } from '../common/problem/problem-mapping.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../observability/metrics.service.js';
import { JobCatalogueNames } from './job-catalogue.token.js';
import type { JobMessage } from './job-catalogue.js';
import type { JobResult } from './job-handler.js';
import { JobHandlerRegistry } from './job-handler.registry.js';
import { DEFAULT_JOB_OPTIONS } from './job-options.constants.js';
import { JobRecordEntity } from './job-record.entity.js';
import { FINISHED_JOB_STATES } from './job-state.js';
import { QueueBackend } from './queue-backend.js';

/**
 * The worker half: one BullMQ worker per catalogued queue, dispatching by job name to the registered handler and
 * keeping the job row (the truth) in step. Closed gracefully on shutdown: running jobs finish first.
 */
@Injectable()
export class JobWorkersService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobWorkersService.name);
  private readonly workers: Worker[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly backend: QueueBackend,
    private readonly handlers: JobHandlerRegistry,
    private readonly catalogue: JobCatalogueNames,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.handlers.assertComplete(this.catalogue.names);
    for (const queue of Object.keys(this.catalogue.names)) {
      const worker = this.backend.worker(queue, (job: Job<JobMessage>) => this.process(queue, job), {
        concurrency: this.config.jobs.concurrency,
        lockDuration: this.config.jobs.lockDurationMs,
        // A crashed worker's job is taken over once its lock lapses; checking as often as the lock lasts bounds
        // the takeover at about twice the lock duration.
        stalledInterval: this.config.jobs.lockDurationMs,
        autorun: true,
      });
      worker.on('error', (error) => this.logger.error({ err: error, queue }, 'Worker error'));
      this.workers.push(worker);
    }
    await this.requeueUnfinished();
    this.logger.log(
      {
        queues: Object.keys(this.catalogue.names),
        concurrency: this.config.jobs.concurrency,
        pid: process.pid,
      },
      'Workers ready',
    );
  }

  /** Before connections close: stop taking jobs and let running ones finish. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }

  /** A row whose message was lost (queue store down at enqueue time, or flushed) is queued again; ids dedupe. */
  private async requeueUnfinished(): Promise<void> {
    const queues = Object.keys(this.catalogue.names);
    if (queues.length === 0) return;
    const rows = await this.dataSource.getRepository(JobRecordEntity).find({
      where: { queue: In(queues), state: In(['queued', 'running']) },
      select: { id: true, queue: true, name: true },
    });
    for (const row of rows) {
      const message: JobMessage = { jobId: row.id };
      await this.backend.queue(row.queue).add(row.name, message, { ...DEFAULT_JOB_OPTIONS, jobId: row.id });
    }
  }

  private async process(queue: string, job: Job<JobMessage>): Promise<void> {
    const repository = this.dataSource.getRepository(JobRecordEntity);
    const record = await repository.findOneBy({ id: job.data.jobId });
    if (!record || FINISHED_JOB_STATES.includes(record.state)) {
      return; // Finished already (a redelivery after a crash between the row update and the ack).
    }
    const handler = this.handlers.get(queue, job.name);
    if (!handler) {
      throw new Error(`No handler for ${queue}/${job.name}`);
    }
    const kind = kindOf(record);
    const timer = this.metrics.jobDuration.startTimer({ queue, name: job.name, kind });
    const attempt = job.attemptsMade + 1;
    this.logger.log(
      { jobId: record.id, queue, name: job.name, kind, attempt, pid: process.pid },
      'Job running',
    );
    await repository.update(
      { id: record.id },
      { state: 'running', attempts: attempt, startedAt: record.startedAt ?? new Date() },
    );
    let result: JobResult;
    try {
      result = await handler.run(record, {
        attempt,
        progress: async (done, total) => {
          await repository.update({ id: record.id }, { progressDone: done, progressTotal: total });
        },
        cancelRequested: async () =>
          (await repository.findOne({ where: { id: record.id }, select: { cancelRequested: true } }))
            ?.cancelRequested ?? false,
      });
    } catch (error) {
      // As the API would say it: a driver's error keeps the vendor's own words, which an operator needs to act on.
      const message = toProblem(error)?.detail ?? (error instanceof Error ? error.message : String(error));
      const final = attempt >= (job.opts.attempts ?? 1);
      await repository.update(
        { id: record.id },
        final
          ? { state: 'failed', error: message, finishedAt: new Date() }
          : { state: 'queued', error: message },
      );
      if (final) this.metrics.jobsTotal.inc({ queue, name: job.name, kind, outcome: 'failed' });
      timer();
      throw error;
    }
    await repository.update(
      { id: record.id },
      {
        state: result.state,
        outcome: (result.outcome ?? {}) as never,
        ...(result.details ? { details: result.details as never } : {}),
        error: result.error ?? null,
        finishedAt: new Date(),
      },
    );
    this.metrics.jobsTotal.inc({ queue, name: job.name, kind, outcome: result.state });
    this.logger.log({ jobId: record.id, state: result.state, pid: process.pid }, 'Job finished');
    timer();
  }
}

/** The metrics label for what a job does: its request's `kind` (replication: scope, relationship, server). */
function kindOf(record: JobRecordEntity): string {
  const kind = record.request['kind'];
  return typeof kind === 'string' && /^[a-z-]{1,30}$/.test(kind) ? kind : 'default';
}
