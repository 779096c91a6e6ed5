import type { JobRecordEntity } from './job-record.entity.js';
import type { JobState } from './job-state.js';

export interface JobRunContext {
  /** Records progress on the job row (what pollers see). */
  progress(done: number, total: number): Promise<void>;
  /** Whether a caller asked to cancel; handlers check it between writes, never inside one. */
  cancelRequested(): Promise<boolean>;
  /** Attempt number, 1 on the first run; later attempts skip what the row records as done. */
  attempt: number;
}

export interface JobResult {
  state: Extract<JobState, 'succeeded' | 'failed' | 'partially_succeeded' | 'cancelled'>;
  outcome?: Record<string, unknown>;
  /** Large per-item detail, saved apart from the outcome (GET /jobs/{id}?include=details). */
  details?: Record<string, unknown>;
  error?: string;
}

/** Runs one job name. Throwing means "retry later" (with backoff); a returned result is final. */
export interface JobHandler {
  run(record: JobRecordEntity, context: JobRunContext): Promise<JobResult>;
  /**
   * Diffs the handler saved in a form of its own, made into what `details.diffs` serves (replication: a vendor's
   * evidence, see replication/deferred-diff.ts): `made` are kept in their place once the job has finished, `failed`
   * are only served. Diffs not returned are served as saved.
   */
  presentDiffs?(
    diffs: Readonly<Record<string, unknown>>,
  ): Promise<{ made: Record<string, unknown>; failed: Record<string, unknown> }>;
}
