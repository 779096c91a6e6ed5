import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The service's own metrics registry (not prom-client's global one, so several app instances can coexist). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** Requests whose answer was held on purpose (`Prefer: wait`): their time is the caller's wait, not latency. */
  readonly heldRequests = new Counter({
    name: 'http_requests_held_total',
    help: 'HTTP requests answered after a wait the caller asked for (Prefer: wait), by method, route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });

  readonly jobsTotal = new Counter({
    name: 'dfm_jobs_total',
    help: 'Jobs finished, by queue, job name, kind (replication: scope, relationship, server) and outcome',
    labelNames: ['queue', 'name', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jobsRemoved = new Counter({
    name: 'dfm_jobs_removed_total',
    help: 'Finished jobs removed (with their diffs) once JOB_RETENTION_DAYS had passed since they finished',
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'dfm_job_duration_seconds',
    help: 'Time each job attempt took to run, by queue, job name and kind',
    labelNames: ['queue', 'name', 'kind'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
