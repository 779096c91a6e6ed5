import { DataSource } from 'typeorm';
import { AuditEventEntity } from '../../src/audit/audit-event.entity.js';
import { JobDiffEntity } from '../../src/jobs/job-diff.entity.js';
import { JobRecordEntity } from '../../src/jobs/job-record.entity.js';
import { JobRetentionService } from '../../src/jobs/job-retention.service.js';
import type { JobState } from '../../src/jobs/job-state.js';
import { MetricsService } from '../../src/observability/metrics.service.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

const DAY = 24 * 3600 * 1000;

describe('finished jobs are removed once JOB_RETENTION_DAYS (default 30) have passed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(() => t.close());

  /** A job row as a worker leaves it, finished `daysAgo` days ago (null: not finished), with one diff. */
  async function job(state: JobState, daysAgo: number | null): Promise<string> {
    const finishedAt = daysAgo === null ? null : new Date(Date.now() - daysAgo * DAY);
    const saved = await t.app
      .get(DataSource)
      .getRepository(JobRecordEntity)
      .save({
        queue: 'replication',
        name: 'replicate',
        state,
        request: { kind: 'scope' },
        outcome: {},
        startedAt: finishedAt,
        finishedAt,
      });
    await t.app
      .get(DataSource)
      .getRepository(JobDiffEntity)
      .save({ jobId: saved.id, key: 'r/10.0.0.0', diff: { unchanged: false } });
    return saved.id;
  }

  const status = async (id: string): Promise<number> =>
    (await t.http.get(`/api/v1/jobs/${id}`).set(bearer(t.adminKey))).status;

  it('removes finished jobs past it with their diffs, keeps the rest and the audit trail', async () => {
    const old = {
      succeeded: await job('succeeded', 31),
      failed: await job('failed', 45),
      partial: await job('partially_succeeded', 400),
      cancelled: await job('cancelled', 30.5),
    };
    const kept = {
      recent: await job('succeeded', 29),
      // Unfinished jobs are never removed, however old their row.
      queued: await job('queued', null),
      running: await job('running', null),
    };
    // What a replication job leaves in the audit trail: it outlives the job.
    const audit = t.app.get(DataSource).getRepository(AuditEventEntity);
    await audit.save({
      action: 'replication.written',
      targetType: 'server',
      targetId: 'a-server',
      principalId: null,
      correlationId: old.succeeded,
      details: { jobId: old.succeeded },
    });
    const events = await audit.count();
    for (const id of Object.values(old)) expect(await status(id)).toBe(200);
    const metrics = t.app.get(MetricsService);
    const counted = async (): Promise<number> => (await metrics.jobsRemoved.get()).values[0]?.value ?? 0;
    const before = await counted();

    expect(await t.app.get(JobRetentionService).sweep()).toBe(4);

    for (const id of Object.values(old)) expect(await status(id)).toBe(404);
    for (const id of Object.values(kept)) expect(await status(id)).toBe(200);
    const diffs = await t.app.get(DataSource).getRepository(JobDiffEntity).find();
    const left = new Set(diffs.map((diff) => diff.jobId));
    for (const id of Object.values(old)) expect(left.has(id)).toBe(false);
    for (const id of Object.values(kept)) expect(left.has(id)).toBe(true);
    expect(await audit.count()).toBe(events);
    expect(await audit.countBy({ correlationId: old.succeeded })).toBe(1);
    expect((await counted()) - before).toBe(4);

    // Nothing more to remove until time passes: a day later, the recent one is 30 days old too.
    expect(await t.app.get(JobRetentionService).sweep()).toBe(0);
    expect(await t.app.get(JobRetentionService).sweep(new Date(Date.now() + 1.5 * DAY))).toBe(1);
    expect(await status(kept.recent)).toBe(404);
    expect(await status(kept.queued)).toBe(200);
  });
});
