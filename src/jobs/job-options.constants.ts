import type { JobsOptions } from 'bullmq';

/** Every BullMQ job option in one place: retries, backoff and retention. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  // The Postgres row keeps the history; the queue only needs recent entries for operators.
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** How many jobs one worker process runs at once per queue. */
export const WORKER_CONCURRENCY = 2;

/** How long a worker holds a job without renewing its lock before another worker may take it over. */
export const WORKER_LOCK_DURATION_MS = 30_000;
