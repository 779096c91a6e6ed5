import { In, type DataSource } from 'typeorm';
import type { JobResult, JobRunContext } from '../jobs/job-handler.js';
import { JobDiffEntity } from '../jobs/job-diff.entity.js';
import { JobRecordEntity } from '../jobs/job-record.entity.js';
import type { LegTimings } from './leg-clock.js';
import type { ScopeOutcome } from './replication-request.js';

/** Scope outcomes that are settled: a retry skips them. */
export const SETTLED = new Set<ScopeOutcome['state']>(['replaced', 'unchanged', 'skipped', 'would-replace']);

/**
 * A replication job's record as it runs: per-scope outcomes and per-leg timings in the job's `outcome` (what
 * pollers read), each scope's diff in the job's diffs (JobDiffEntity; large, served in `details` on request). Saved
 * after each destination and before each write, so a retry resumes from it.
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
    const diffs: Record<string, unknown> = {};
    // Only an interrupted write needs the diff an earlier attempt saved for it (see ReplicateJob).
    const writing = Object.keys(scopes).filter((key) => scopes[key].state === 'writing');
    if (writing.length > 0) {
      const rows = await dataSource
        .getRepository(JobDiffEntity)
        .findBy({ jobId: record.id, key: In(writing) });
      for (const row of rows) diffs[row.key] = row.diff;
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
   * Saves the outcome, and the diffs found since the last save (in their own table, by key, a later diff of a scope
   * replacing its earlier one), in one transaction. Saved diffs are let go (a large replication would otherwise hold
   * every destination scope it compared until the job ends).
   */
  async save(dataSource: DataSource, id: string, context: JobRunContext): Promise<void> {
    const all = Object.values(this.scopes);
    // One parameter of JSON text that Postgres splits by key: no parse into jsonb, no per-row parameters. The diff
    // objects are let go at once (they hold both sides' scopes, which would otherwise stay alive through the write
    // the save overlaps) and made again from the text only when the save fails.
    const diffs = this.diffsChanged ? JSON.stringify(this.diffs) : undefined;
    this.diffs = {};
    this.diffsChanged = false;
    try {
      await this.write(dataSource, id, diffs);
    } catch (error) {
      if (diffs !== undefined) {
        this.diffs = { ...(JSON.parse(diffs) as Record<string, unknown>), ...this.diffs };
        this.diffsChanged = true;
      }
      throw error;
    }
    await context.progress(all.filter((outcome) => SETTLED.has(outcome.state)).length, all.length);
  }

  private write(dataSource: DataSource, id: string, diffs: string | undefined): Promise<void> {
    return dataSource.transaction(async (manager) => {
      if (diffs !== undefined) {
        await manager.query(
          'INSERT INTO "job_diffs" ("job_id", "key", "diff") SELECT $1, "key", "value" FROM json_each($2::json) ' +
            'ON CONFLICT ("job_id", "key") DO UPDATE SET "diff" = EXCLUDED."diff"',
          [id, diffs],
        );
      }
      // After the diffs: a reader that sees this version of the job sees its diffs too.
      await manager
        .getRepository(JobRecordEntity)
        .createQueryBuilder()
        .update()
        .set({ outcome: { scopes: this.scopes, timings: this.timings } })
        .where('id = :id', { id })
        .execute();
    });
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
    // The job's `error` says why it failed, or why some of its scopes did: a pipeline reads it without walking them.
    const why = error ?? (failed > 0 ? failedScopesSummary(all, failed) : undefined);
    // Diffs are saved as each destination finishes (save), never here.
    return { state, outcome: { scopes: this.scopes, timings: this.timings }, ...(why ? { error: why } : {}) };
  }
}

/** The first few failed scopes' reasons, for a whole job's `error`. */
const SUMMARIZED = 3;

function failedScopesSummary(all: readonly ScopeOutcome[], failed: number): string {
  const reasons = all
    .filter((outcome) => outcome.state === 'failed')
    .slice(0, SUMMARIZED)
    .map(
      (outcome) =>
        `${outcome.network === '*' ? 'every scope' : outcome.network}: ${outcome.reason ?? 'failed'}`,
    );
  const more = failed > SUMMARIZED ? `; and ${failed - SUMMARIZED} more` : '';
  return `${failed} of ${all.length} scopes failed (outcome.scopes has each one's reason): ${reasons.join('; ')}${more}`;
}
