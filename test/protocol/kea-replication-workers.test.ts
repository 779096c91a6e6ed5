import { DataSource } from 'typeorm';
import { BUILT_IN, principalWith } from '../support/fixtures.js';
import { requestReplication, waitForJob } from '../support/jobs.js';
import { agentInFront, KeaEstate } from '../support/kea/kea-estate.js';
import type { KeaServer } from '../support/kea/kea-server.js';
import { officeSubnet, setSubnet, subnetOn, subnetOnDisk } from '../support/kea/kea-subnets.js';
import type { ServiceProcess } from '../support/service-process.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';
import { startWorker as startWorkerProcess } from '../support/workers.js';

/** A gate a held command waits on; `open()` lets it through. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** Resolves when `condition` holds (checked every 50 ms), rejects after `timeoutMs`. */
async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Replication jobs run by worker processes of their own (`main-worker`, as deployed to scale out), on the API's
 * database and queues, against a real Kea pair whose destination sits behind an agent front that can hold a command.
 */
describe('replication workers as separate processes, on a real Kea pair', () => {
  let t: TestApp;
  let kea: KeaEstate;
  let a: KeaServer;
  let b: KeaServer;
  let idA: string;
  let rel: string;
  const workers: ServiceProcess[] = [];
  /** Commands that reached b's agent through the front, in order. */
  const seen: string[] = [];
  /** Set by a test to hold a command: the front awaits it before forwarding. */
  let hold: ((command: string) => Promise<void>) | undefined;
  let front: { url: string; close(): Promise<void> };

  // One job at a time per process, so a second job must go to the other process; a short lock so that a killed
  // worker's job is taken over in seconds.
  const startWorker = (): Promise<ServiceProcess> =>
    startWorkerProcess(t, workers, { JOB_CONCURRENCY: '1', JOB_LOCK_SECONDS: '3' });
  const stopWorkers = async (): Promise<void> => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  };

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    kea = new KeaEstate(t);
    [a, b] = [await kea.start(), await kea.start()];
    front = await agentInFront(b, async (command) => {
      // The HA partner's heartbeats reach b through this front too; only the workers' commands are counted.
      if (command !== 'ha-heartbeat') seen.push(command);
      await hold?.(command);
      return undefined;
    });
    idA = await kea.register(a);
    const idB = await kea.register(b, { url: front.url });
    rel = (await kea.createRelationship(idA, idB)).body.id as string;
  });
  afterEach(async () => {
    hold = undefined;
    await stopWorkers();
  });
  afterAll(async () => {
    await stopWorkers();
    await front.close();
    await kea.stopAll();
    await t.close();
  });

  const scope = (n: number): Record<string, unknown> => ({
    kind: 'scope',
    sourceServerId: idA,
    relationshipId: rel,
    network: `10.${n}.0.0`,
  });

  it('two jobs on one pair in two worker processes are serialized: both land, neither update is lost', async () => {
    await setSubnet(a, officeSubnet(71));
    await setSubnet(a, officeSubnet(72));
    const [first, second] = [await startWorker(), await startWorker()];
    const bothRunning = gate();
    let held = false;
    hold = async () => {
      // The first command to reach b waits until both processes run a job, so the two jobs truly overlap.
      if (held) return;
      held = true;
      await bothRunning.wait;
    };
    seen.length = 0;
    const [job71, job72] = await Promise.all([
      requestReplication(t, scope(71)),
      requestReplication(t, scope(72)),
    ]);
    await until(
      () => [first, second].every((worker) => /"msg":"Job running"/.test(worker.output())),
      'both workers to run a job',
    );
    bothRunning.open();
    const [done71, done72] = [await waitForJob(t, job71), await waitForJob(t, job72)];

    expect([done71.state, done72.state]).toEqual(['succeeded', 'succeeded']);
    // Each process ran one of them.
    const ranBy = (id: string): number =>
      [first, second].findIndex((worker) => worker.output().includes(`"jobId":"${id}","queue"`));
    expect([ranBy(job71), ranBy(job72)].sort()).toEqual([0, 1]);
    // No lost update: b holds both copies.
    expect(await subnetOn(b, '10.71.0.0/24')).toMatchObject({
      reservations: [{ 'ip-address': '10.71.0.5' }],
    });
    expect(await subnetOn(b, '10.72.0.0/24')).toMatchObject({
      reservations: [{ 'ip-address': '10.72.0.5' }],
    });
    // Serialized: b saw one job's whole read-modify-write, then the other's, never interleaved. Each job marks
    // (status-get) and reads b for its diff, then writes on that read: test, the race check (a status-get, plus a
    // config-get when Kea reloaded under 2 s before the mark), set, persist.
    const windows = seen
      .join(',')
      .split(/(?<=config-write),/)
      .map((window) => window.replace(/,$/, ''));
    expect(windows).toHaveLength(2);
    for (const window of windows) {
      expect(window).toMatch(
        /^status-get,config-get,config-test,status-get,(config-get,)?config-set,config-write$/,
      );
    }
  });

  it('a worker killed (SIGKILL) in the middle of a write loses nothing: another takes the job over and finishes it', async () => {
    await setSubnet(a, officeSubnet(73, '10.73.0.254'));
    const doomed = await startWorker();
    const writeSeen = gate();
    const release = gate();
    hold = async (command) => {
      if (command !== 'config-set') return;
      writeSeen.open();
      await release.wait;
    };
    const id = await requestReplication(t, {
      kind: 'relationship',
      sourceServerId: idA,
      relationshipId: rel,
    });
    await writeSeen.wait;
    process.kill(doomed.child.pid!, 'SIGKILL');
    await doomed.exited();
    // The config-set the dead worker sent still reaches Kea; its config-write never will.
    hold = undefined;
    release.open();
    await until(
      async () => (await subnetOn(b, '10.73.0.0/24')) !== undefined,
      "the dead worker's config-set to land",
    );
    const mid = (await t.http.get(`/api/v1/jobs/${id}`).set(bearer(t.adminKey)).expect(200)).body as {
      state: string;
      outcome: { scopes: Record<string, { state: string }> };
    };
    expect(await subnetOnDisk(b, '10.73.0.0/24')).toBeUndefined();
    expect(mid.state).toBe('running');
    expect(mid.outcome.scopes[`${rel}/10.73.0.0`]?.state).toBe('writing');

    await startWorker();
    const done = await waitForJob(t, id);
    expect(done.state).toBe('succeeded');
    const scopes = done.outcome.scopes ?? {};
    // One consistent outcome per scope of the source, and the written scope keeps the diff it made.
    expect(Object.keys(scopes).sort()).toEqual(
      ((await a.dhcp4Config())['subnet4'] as Array<{ subnet: string }>)
        .map((subnet) => `${rel}/${subnet.subnet.split('/')[0]}`)
        .sort(),
    );
    expect(scopes[`${rel}/10.73.0.0`]).toMatchObject({ state: 'replaced' });
    const detailed = await t.http
      .get(`/api/v1/jobs/${id}?include=details`)
      .set(bearer(t.adminKey))
      .expect(200);
    const diff = detailed.body.details.diffs[`${rel}/10.73.0.0`] as { unchanged: boolean };
    expect(diff.unchanged).toBe(false);
    expect(JSON.stringify(diff)).toContain('10.73.0.254');
    expect(Object.values(scopes).every((outcome) => ['replaced', 'unchanged'].includes(outcome.state))).toBe(
      true,
    );
    // Running and persisted: the takeover wrote again, so config-write ran.
    expect(await subnetOn(b, '10.73.0.0/24')).toMatchObject({
      'option-data': [{ name: 'routers', data: '10.73.0.254' }],
    });
    expect(await subnetOnDisk(b, '10.73.0.0/24')).toMatchObject({
      'option-data': [{ name: 'routers', data: '10.73.0.254' }],
    });
    const audit: Array<{ correlation_id: string }> = await t.app
      .get(DataSource)
      .query(`SELECT correlation_id FROM audit_events WHERE action = 'replication.written'`);
    expect(audit.map((row) => row.correlation_id)).toContain(id);
  });

  it('a cancel asked for while the job reads stops it before its write: nothing is written', async () => {
    await setSubnet(a, officeSubnet(74));
    await startWorker();
    const readSeen = gate();
    const release = gate();
    hold = async (command) => {
      if (command !== 'config-get') return;
      readSeen.open();
      await release.wait;
    };
    const id = await requestReplication(t, scope(74));
    await readSeen.wait;
    const cancelled = await t.http.post(`/api/v1/jobs/${id}/cancel`).set(bearer(t.adminKey)).expect(200);
    expect(cancelled.body.cancelRequested).toBe(true);
    hold = undefined;
    release.open();
    const done = await waitForJob(t, id);
    expect(done.state).toBe('cancelled');
    expect(done.outcome.scopes?.[`${rel}/10.74.0.0`]).toMatchObject({
      state: 'skipped',
      reason: 'cancelled before the write',
    });
    expect(await subnetOn(b, '10.74.0.0/24')).toBeUndefined();
  });

  it('a queued job whose requester was disabled meanwhile stops at its permission check and writes nothing', async () => {
    await setSubnet(a, officeSubnet(75));
    const caller = await principalWith(t, [
      { roleId: BUILT_IN.dhcpAdministrators, resource: { type: 'global' } },
    ]);
    const id = await requestReplication(t, scope(75), caller.key);
    await t.http
      .patch(`/api/v1/principals/${caller.id}`)
      .set(bearer(t.adminKey))
      .send({ disabled: true })
      .expect(200);
    await startWorker();
    const done = await waitForJob(t, id);
    expect(done.state).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(await subnetOn(b, '10.75.0.0/24')).toBeUndefined();
  });

  // Last: it removes the pair's relationship.
  it('a queued job whose relationship was removed meanwhile fails at once, saying so, without retries', async () => {
    const id = await requestReplication(t, {
      kind: 'relationship',
      sourceServerId: idA,
      relationshipId: rel,
    });
    await t.http.delete(`/api/v1/relationships/${rel}`).set(bearer(t.adminKey)).expect(200);
    await startWorker();
    const done = await waitForJob(t, id);
    expect(done).toMatchObject({ state: 'failed', attempts: 1 });
    expect(done['error']).toContain('The replication no longer applies');
  });
});
