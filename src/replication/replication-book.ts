import type { DataSource } from 'typeorm';
import type { JobResult, JobRunContext } from '../jobs/job-handler.js';
import { JobRecordEntity } from '../jobs/job-record.entity.js';
import type { LegTimings } from './leg-clock.js';
import type { ScopeOutcome } from './replication-request.js';

/** Scope outcomes that are settled: a retry skips them. */
export const SETTLED = new Set<ScopeOutcome['state']>(['replaced', 'unchanged', 'skipped', 'would-replace']);

/**
 * A replication job's record as it runs: per-scope outcomes and per-leg timings in the job's `outcome` (what
 * pollers read), each scope's diff in its `details` (large; read on request). Saved after each destination and
 * before each write, so a retry resumes from it.
 */
export class ReplicationBook {
  private diffsChanged = false;

  private constructor(
    readonly scopes: Record<string, ScopeOutcome>,
    readonly timings: Record<string, LegTimings>,
    private diffs: Record<string, unknown>,
  ) {}

  static async load(dataSource: DataSource, record: JobRecordEntity): Promise<ReplicationBook> {
    const scopes = { ...((record.outcome['scopes'] as Record<string, ScopeOutcome> | undefined) ?? {}) };
    const timings = { ...((record.outcome['timings'] as Record<string, LegTimings> | undefined) ?? {}) };
    let diffs: Record<string, unknown> = {};
    // Only an interrupted write needs the diffs of an earlier attempt (see ReplicateJob).
    if (Object.values(scopes).some((scope) => scope.state === 'writing')) {
      const row = await dataSource
        .getRepository(JobRecordEntity)
        .createQueryBuilder('job')
        .select(['job.id', 'job.details'])
        .where('job.id = :id', { id: record.id })
        .getOne();
      diffs = { ...((row?.details?.['diffs'] as Record<string, unknown> | undefined) ?? {}) };
    }
    return new ReplicationBook(scopes, timings, diffs);
  }

  diffOf(key: string): unknown {
    return this.diffs[key];
  }

  setDiff(key: string, diff: unknown): void {
    this.diffs[key] = diff;
    this.diffsChanged = true;
  }

  /**
   * Saves the outcome, and the diffs found since the last save merged into the saved ones. Saved diffs are let go
   * (a large replication would otherwise hold every destination scope it compared until the job ends).
   */
  async save(dataSource: DataSource, id: string, context: JobRunContext): Promise<void> {
    const all = Object.values(this.scopes);
    const update = dataSource
      .getRepository(JobRecordEntity)
      .createQueryBuilder()
      .update()
      .set({
        outcome: { scopes: this.scopes, timings: this.timings },
        ...(this.diffsChanged
          ? {
              details: () =>
                `jsonb_set(COALESCE(details, '{}'::jsonb), '{diffs}', ` +
                `COALESCE(details->'diffs', '{}'::jsonb) || CAST(:diffs AS jsonb))`,
            }
          : {}),
      })
      .where('id = :id', { id });
    if (this.diffsChanged) update.setParameter('diffs', JSON.stringify(this.diffs));
    await update.execute();
    this.diffs = {};
    this.diffsChanged = false;
    await context.progress(all.filter((outcome) => SETTLED.has(outcome.state)).length, all.length);
  }

  /** The job's final state from its scopes: any failure makes it partial, all failures make it failed. */
  result(cancelled: boolean, error?: string): JobResult {
    const all = Object.values(this.scopes);
    const failed = all.filter((outcome) => outcome.state === 'failed').length;
    const state = error
      ? 'failed'
      : cancelled
        ? 'cancelled'
        : failed === 0
          ? 'succeeded'
          : failed === all.length
            ? 'failed'
            : 'partially_succeeded';
    // Diffs are saved as each destination finishes (save), never here.
    return { state, outcome: { scopes: this.scopes, timings: this.timings }, ...(error ? { error } : {}) };
  }
}
