import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { JobResult, JobRunContext } from '../../src/jobs/job-handler.js';
import { JobChangeWatcher } from '../../src/jobs/job-change-watcher.js';
import { JobHandlerRegistry } from '../../src/jobs/job-handler.registry.js';
import { JobRecordEntity } from '../../src/jobs/job-record.entity.js';
import { JobRecordsService } from '../../src/jobs/job-records.service.js';
import type { JobState } from '../../src/jobs/job-state.js';
import { MetricsService } from '../../src/observability/metrics.service.js';
import { DriverError, DriverErrorCode } from '../../src/vendors/driver-error.js';
import { principalWith } from '../support/fixtures.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

// The product has no job types yet; this catalogue exercises the plumbing on the real Redis.
const CATALOGUE = { probe: ['count-to', 'wait-for-cancel', 'vendor-refuses'] };
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

/** Runs until someone cancels it (bounded), as a replication stops between writes. */
@Injectable()
class WaitForCancelHandler implements OnModuleInit {
  constructor(private readonly registry: JobHandlerRegistry) {}

  onModuleInit(): void {
    this.registry.register('probe', 'wait-for-cancel', this);
  }

  async run(_record: JobRecordEntity, context: JobRunContext): Promise<JobResult> {
    for (let i = 0; i < 200; i++) {
      await context.progress(i, 200);
      if (await context.cancelRequested()) return { state: 'cancelled', outcome: { stoppedAfter: i } };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { state: 'failed', error: 'nobody cancelled' };
  }
}

/** Fails as a driver does when the DHCP server refuses: a message of ours and the vendor's own words. */
@Injectable()
class VendorRefusesHandler implements OnModuleInit {
  constructor(private readonly registry: JobHandlerRegistry) {}

  onModuleInit(): void {
    this.registry.register('probe', 'vendor-refuses', this);
  }

  run(): Promise<JobResult> {
    return Promise.reject(
      new DriverError(DriverErrorCode.unreachable, 'kea1: config-set failed', 'unable to bind the socket'),
    );
  }
}

@Module({ providers: [CountToHandler, WaitForCancelHandler, VendorRefusesHandler] })
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
      expect(metrics).toMatch(
        /dfm_jobs_total\{queue="probe",name="count-to",kind="default",outcome="succeeded"\} 2/,
      );
    });

    it('GET /jobs/{id} shows our own state and progress; others need administer-dhcp-servers', async () => {
      const worker = await principalWith(t, []);
      const jobs = t.app.get(JobRecordsService);
      const own = await jobs.enqueue({
        queue: 'probe',
        name: 'count-to',
        request: { to: 2 },
        requestedBy: worker.id,
      });
      await waitForState(t, own.record.id, ['succeeded']);
      const read = await t.http.get(`/api/v1/jobs/${own.record.id}`).set(bearer(worker.key)).expect(200);
      expect(read.body).toMatchObject({
        name: 'count-to',
        state: 'succeeded',
        progress: { done: 2, total: 2 },
        outcome: { counted: 2 },
      });
      expect(read.body.durationMs).toBeGreaterThanOrEqual(0);

      const admins = await jobs.enqueue({
        queue: 'probe',
        name: 'count-to',
        request: { to: 1 },
        requestedBy: null,
      });
      const refused = await t.http
        .get(`/api/v1/jobs/${admins.record.id}`)
        .set(bearer(worker.key))
        .expect(403);
      expect(refused.body.missingPermission).toBe('administer-dhcp-servers');
      const mine = await t.http.get('/api/v1/jobs?limit=200').set(bearer(worker.key)).expect(200);
      expect(mine.body.items.map((job: { id: string }) => job.id)).toEqual([own.record.id]);
      const all = await t.http
        .get('/api/v1/jobs?limit=200&state=succeeded')
        .set(bearer(t.adminKey))
        .expect(200);
      expect(all.body.items.map((job: { id: string }) => job.id)).toContain(own.record.id);
      await t.http.get('/api/v1/jobs?state=done').set(bearer(t.adminKey)).expect(400);
      // Someone else's job answers 403 to a conditional read too: the version is not leaked.
      await t.http
        .get(`/api/v1/jobs/${admins.record.id}`)
        .set(bearer(worker.key))
        .set('If-None-Match', '"1"')
        .expect(403);
    });

    it('polling is cheap: an unchanged job answers 304 to If-None-Match, a changed one 200 with a new ETag', async () => {
      const jobs = t.app.get(JobRecordsService);
      const done = await jobs.enqueue({
        queue: 'probe',
        name: 'count-to',
        request: { to: 1 },
        requestedBy: null,
      });
      await waitForState(t, done.record.id, ['succeeded']);
      const read = await t.http.get(`/api/v1/jobs/${done.record.id}`).set(bearer(t.adminKey)).expect(200);
      const tag = read.headers['etag'];
      expect(tag).toMatch(/^"\d+"$/);
      const unchanged = await t.http
        .get(`/api/v1/jobs/${done.record.id}`)
        .set(bearer(t.adminKey))
        .set('If-None-Match', tag)
        .expect(304);
      expect(unchanged.text).toBe('');
      expect(unchanged.headers['etag']).toBe(tag);
      // The representation with details has a tag of its own.
      const detailed = await t.http
        .get(`/api/v1/jobs/${done.record.id}?include=details`)
        .set(bearer(t.adminKey))
        .set('If-None-Match', tag)
        .expect(200);
      expect(detailed.headers['etag']).toBe(tag.replace(/"$/, '-d"'));

      // A running job moves on (progress): its tag changes, and the poll answers 200 with the new one.
      const running = await jobs.enqueue({
        queue: 'probe',
        name: 'wait-for-cancel',
        request: {},
        requestedBy: null,
      });
      await waitForState(t, running.record.id, ['running']);
      const before = (
        await t.http.get(`/api/v1/jobs/${running.record.id}`).set(bearer(t.adminKey)).expect(200)
      ).headers['etag'];
      await new Promise((resolve) => setTimeout(resolve, 200));
      const after = await t.http
        .get(`/api/v1/jobs/${running.record.id}`)
        .set(bearer(t.adminKey))
        .set('If-None-Match', before)
        .expect(200);
      expect(after.headers['etag']).not.toBe(before);
      await t.http.post(`/api/v1/jobs/${running.record.id}/cancel`).set(bearer(t.adminKey)).expect(200);
    });

    it("a job that fails keeps the vendor's own words in its error, as the API would say them", async () => {
      const job = await t.app.get(JobRecordsService).enqueue({
        queue: 'probe',
        name: 'vendor-refuses',
        request: {},
        requestedBy: null,
      });
      const repository = t.app.get(DataSource).getRepository(JobRecordEntity);
      let row = await repository.findOneByOrFail({ id: job.record.id });
      for (let i = 0; i < 200 && row.error === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        row = await repository.findOneByOrFail({ id: job.record.id });
      }
      expect(row.error).toBe('kea1: config-set failed: unable to bind the socket');
      // Waiting for its retry: a cancel ends it at once.
      await t.http.post(`/api/v1/jobs/${job.record.id}/cancel`).set(bearer(t.adminKey)).expect(200);
    });

    it('cancelling a running job stops it between steps; a finished job cannot be cancelled', async () => {
      const job = await t.app
        .get(JobRecordsService)
        .enqueue({ queue: 'probe', name: 'wait-for-cancel', request: {}, requestedBy: null });
      await waitForState(t, job.record.id, ['running']);
      const asked = await t.http
        .post(`/api/v1/jobs/${job.record.id}/cancel`)
        .set(bearer(t.adminKey))
        .expect(200);
      expect(asked.body.cancelRequested).toBe(true);
      const done = await waitForState(t, job.record.id, ['cancelled', 'failed']);
      expect(done.state).toBe('cancelled');
      const again = await t.http
        .post(`/api/v1/jobs/${job.record.id}/cancel`)
        .set(bearer(t.adminKey))
        .expect(409);
      expect(again.body.detail).toContain('cancelled already');
    });
  });
});

describe('cancelling a job nobody has started', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No workers in this process: the job stays queued.
    t = await startTestApp({ catalogue: CATALOGUE, imports: [ProbeJobsModule], worker: false });
  });
  afterAll(() => t.close());

  it('is cancelled at once', async () => {
    const job = await t.app
      .get(JobRecordsService)
      .enqueue({ queue: 'probe', name: 'count-to', request: { to: 1 }, requestedBy: null });
    const cancelled = await t.http
      .post(`/api/v1/jobs/${job.record.id}/cancel`)
      .set(bearer(t.adminKey))
      .expect(200);
    expect(cancelled.body).toMatchObject({ state: 'cancelled', cancelRequested: true });
    expect(cancelled.body.finishedAt).not.toBeNull();
    await t.http.get('/api/v1/jobs/00000000-0000-4000-8000-000000000bad').set(bearer(t.adminKey)).expect(404);
  });

  it('asking a running job to stop twice answers the same and records one event', async () => {
    const row = await t.app.get(DataSource).getRepository(JobRecordEntity).save({
      queue: 'probe',
      name: 'wait-for-cancel',
      state: 'running',
      request: {},
      requestedBy: null,
    });
    const answers = [];
    for (let i = 0; i < 2; i++) {
      answers.push(
        (await t.http.post(`/api/v1/jobs/${row.id}/cancel`).set(bearer(t.adminKey)).expect(200)).body,
      );
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ state: 'running', cancelRequested: true });
    const events = await t.http
      .get(`/api/v1/audit-events?targetId=${row.id}&action=job.cancel-requested`)
      .set(bearer(t.adminKey))
      .expect(200);
    expect(events.body.total).toBe(1);
  });
});

/** Until `count` requests are held (bounded): a request the service answered at once never counts. */
async function untilHeld(watcher: JobChangeWatcher, count: number): Promise<void> {
  for (let i = 0; i < 500 && watcher.waiting !== count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(watcher.waiting).toBe(count);
}

describe('waiting for a job to change (Prefer: wait)', () => {
  let t: TestApp;
  let watcher: JobChangeWatcher;
  beforeAll(async () => {
    // No workers: the rows below change only when the test changes them.
    t = await startTestApp({ catalogue: CATALOGUE, imports: [ProbeJobsModule], worker: false });
    watcher = t.app.get(JobChangeWatcher);
  });
  afterAll(() => t?.close());

  const jobRow = async (state: JobState): Promise<{ id: string; tag: string }> => {
    const row = await t.app
      .get(DataSource)
      .getRepository(JobRecordEntity)
      .save({
        queue: 'probe',
        name: 'count-to',
        state,
        request: { to: 1 },
        requestedBy: null,
      });
    const read = await t.http.get(`/api/v1/jobs/${row.id}`).set(bearer(t.adminKey)).expect(200);
    return { id: row.id, tag: read.headers['etag'] };
  };
  const untilWaiting = (count: number): Promise<void> => untilHeld(watcher, count);
  /** Every sample of /metrics by its name and labels, e.g. `x_total{route="/a"}` -> 3. */
  const metricValues = async (): Promise<Map<string, number>> => {
    const text = (await t.http.get('/metrics').expect(200)).text;
    return new Map(
      text
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]),
    );
  };
  const longPoll = (id: string, tag: string, prefer: string) =>
    t.http
      .get(`/api/v1/jobs/${id}`)
      .set(bearer(t.adminKey))
      .set('If-None-Match', tag)
      .set('Prefer', prefer)
      .ok((response) => response.status === 200 || response.status === 304);

  it('holds the answer while the job is unchanged and answers 200 with the change as soon as it happens', async () => {
    const job = await jobRow('running');
    const answer = longPoll(job.id, job.tag, 'wait=30').then((response) => response);
    await untilWaiting(1);
    await t.app
      .get(DataSource)
      .getRepository(JobRecordEntity)
      .update({ id: job.id }, { progressDone: 1, progressTotal: 2 });
    const changed = await answer;
    expect(changed.status).toBe(200);
    expect(changed.headers['preference-applied']).toBe('wait=30');
    expect(changed.headers['etag']).not.toBe(job.tag);
    expect(changed.body.progress).toEqual({ done: 1, total: 2 });
    expect(watcher.waiting).toBe(0);
  });

  it('answers 304 when the wait ends with nothing changed, and shortens a wait beyond 50 seconds', async () => {
    const job = await jobRow('queued');
    const metricsBefore = await metricValues();
    const unchanged = await longPoll(job.id, job.tag, 'respond-async, wait=1');
    expect(unchanged.status).toBe(304);
    expect(unchanged.headers['preference-applied']).toBe('wait=1');
    // Counted as held, not timed with the latencies it would swamp.
    const metricsAfter = await metricValues();
    const held = 'http_requests_held_total{method="GET",route="/api/v1/jobs/:id",status_code="304"}';
    const timed =
      'http_request_duration_seconds_count{method="GET",route="/api/v1/jobs/:id",status_code="304"}';
    expect((metricsAfter.get(held) ?? 0) - (metricsBefore.get(held) ?? 0)).toBe(1);
    expect(metricsAfter.get(timed)).toBe(metricsBefore.get(timed));

    const answer = longPoll(job.id, job.tag, 'wait=3600').then((response) => response);
    await untilWaiting(1);
    await t.app.get(DataSource).getRepository(JobRecordEntity).update({ id: job.id }, { state: 'running' });
    const changed = await answer;
    expect(changed.status).toBe(200);
    expect(changed.headers['preference-applied']).toBe('wait=50');
    expect(changed.body.state).toBe('running');
  });

  it('does not wait on a finished job, for If-None-Match: *, without If-None-Match, or for a preference it cannot read', async () => {
    const finished = await jobRow('succeeded');
    const now = await longPoll(finished.id, finished.tag, 'wait=30');
    expect(now.status).toBe(304);
    expect(now.headers['preference-applied']).toBeUndefined();

    const running = await jobRow('running');
    // `*` matches every version: no change could end the wait, so none is held.
    const everything = await longPoll(running.id, '*', 'wait=30');
    expect(everything.status).toBe(304);
    expect(everything.headers['preference-applied']).toBeUndefined();
    const unreadable = await longPoll(running.id, running.tag, 'wait=soon');
    expect(unreadable.status).toBe(304);
    expect(unreadable.headers['preference-applied']).toBeUndefined();
    const noTag = await t.http
      .get(`/api/v1/jobs/${running.id}`)
      .set(bearer(t.adminKey))
      .set('Prefer', 'wait=30')
      .expect(200);
    expect(noTag.headers['preference-applied']).toBeUndefined();
    expect(watcher.waiting).toBe(0);
  });

  it("someone else's job is a 403 before any wait; a caller that hangs up stops waiting", async () => {
    const other = await principalWith(t, []);
    const job = await jobRow('running');
    await t.http
      .get(`/api/v1/jobs/${job.id}`)
      .set(bearer(other.key))
      .set('If-None-Match', job.tag)
      .set('Prefer', 'wait=30')
      .expect(403);
    expect(watcher.waiting).toBe(0);

    const abandoned = longPoll(job.id, job.tag, 'wait=30')
      .timeout(300)
      .then(
        () => 'answered',
        () => 'hung up',
      );
    await untilWaiting(1);
    expect(await abandoned).toBe('hung up');
    await untilWaiting(0);
  });

  it('a service that stops answers the requests it holds', async () => {
    const own = await startTestApp({ catalogue: CATALOGUE, imports: [ProbeJobsModule], worker: false });
    let closed = false;
    try {
      const row = await own.app.get(DataSource).getRepository(JobRecordEntity).save({
        queue: 'probe',
        name: 'count-to',
        state: 'running',
        request: {},
        requestedBy: null,
      });
      const answer = own.http
        .get(`/api/v1/jobs/${row.id}`)
        .set(bearer(own.adminKey))
        .set('If-None-Match', `"${row.version}"`)
        .set('Prefer', 'wait=50')
        .then((response) => response.status);
      const held = own.app.get(JobChangeWatcher);
      await untilHeld(held, 1);
      // The request is let go as the service begins to stop, not when its wait would have ended.
      const closing = own.close();
      closed = true;
      await untilHeld(held, 0);
      await closing;
      expect(await answer).toBe(304);
    } finally {
      if (!closed) await own.close();
    }
  });
});
