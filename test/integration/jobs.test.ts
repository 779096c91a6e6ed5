import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { JobResult, JobRunContext } from '../../src/jobs/job-handler.js';
import { JobHandlerRegistry } from '../../src/jobs/job-handler.registry.js';
import { JobRecordEntity } from '../../src/jobs/job-record.entity.js';
import { JobRecordsService } from '../../src/jobs/job-records.service.js';
import { MetricsService } from '../../src/observability/metrics.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The product has no job types yet; this catalogue exercises the plumbing on the real Redis.
const CATALOGUE = { probe: ['count-to'] };
const seen: number[] = [];

@Injectable()
class CountToHandler implements OnModuleInit {
  constructor(private readonly registry: JobHandlerRegistry) {}

  onModuleInit(): void {
    this.registry.register('probe', 'count-to', this);
  }

  async run(record: JobRecordEntity, context: JobRunContext): Promise<JobResult> {
    const to = Number(record.request['to']);
    for (let i = 1; i <= to; i++) {
      seen.push(i);
      await context.progress(i, to);
    }
    return { state: 'succeeded', outcome: { counted: to } };
  }
}

@Module({ providers: [CountToHandler] })
class ProbeJobsModule {}

async function waitForState(t: TestApp, id: string, states: string[]): Promise<JobRecordEntity> {
  const repository = t.app.get(DataSource).getRepository(JobRecordEntity);
  for (let i = 0; i < 200; i++) {
    const row = await repository.findOneByOrFail({ id });
    if (states.includes(row.state)) return row;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${id} never reached ${states.join('/')}`);
}

describe('jobs plumbing (BullMQ on Redis, the Postgres row as the truth)', () => {
  it('refuses to start when a catalogued job has no handler', async () => {
    await expect(startTestApp({ catalogue: { probe: ['orphan'] } })).rejects.toThrow(
      'No handler registered for job(s): probe/orphan',
    );
  });

  describe('with a handler', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ catalogue: CATALOGUE, imports: [ProbeJobsModule] });
    });
    afterAll(() => t.close());

    it('runs a job, records progress and outcome on the row, counts it, and dedupes an idempotent request', async () => {
      const jobs = t.app.get(JobRecordsService);
      const first = await jobs.enqueue({
        queue: 'probe',
        name: 'count-to',
        request: { to: 3 },
        requestedBy: null,
      });
      expect(first.created).toBe(true);
      expect(first.record.state).toBe('queued');
      const done = await waitForState(t, first.record.id, ['succeeded', 'failed']);
      expect(done).toMatchObject({
        state: 'succeeded',
        progressDone: 3,
        progressTotal: 3,
        outcome: { counted: 3 },
        attempts: 1,
      });
      expect(done.startedAt).not.toBeNull();
      expect(done.finishedAt).not.toBeNull();
      expect(seen).toEqual([1, 2, 3]);

      const [{ id: adminId }] = await t.app
        .get(DataSource)
        .query<Array<{ id: string }>>(`SELECT id FROM principals WHERE name = 'admin'`);
      const a = await jobs.enqueue({
        queue: 'probe',
        name: 'count-to',
        request: { to: 1 },
        requestedBy: adminId,
        idempotencyKey: 'k1',
      });
      const b = await jobs.enqueue({
        queue: 'probe',
        name: 'count-to',
        request: { to: 1 },
        requestedBy: adminId,
        idempotencyKey: 'k1',
      });
      expect([a.created, b.created]).toEqual([true, false]);
      expect(b.record.id).toBe(a.record.id);
      await waitForState(t, a.record.id, ['succeeded']);

      const metrics = await t.app.get(MetricsService).registry.metrics();
      expect(metrics).toMatch(/dfm_jobs_total\{queue="probe",name="count-to",outcome="succeeded"\} 2/);
    });
  });
});
