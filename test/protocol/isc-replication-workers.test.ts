import { eventually } from '../support/eventually.js';
import {
  type IscEstate,
  type IscServerFiles,
  startIscEstate,
  stopIscEstate,
} from '../support/isc/isc-estate.js';
import { requestReplication, waitForJob } from '../support/jobs.js';
import type { ServiceProcess } from '../support/service-process.js';
import { bearer, type TestApp } from '../support/test-app.js';
import { startWorker as startWorkerProcess } from '../support/workers.js';

const peer = (name: string, role: 'primary' | 'secondary', self: string, partner: string): string =>
  `failover peer "${name}" {
  ${role};
  address ${self};
  port 647;
  peer address ${partner};
  peer port 647;
  max-response-delay 60;
  max-unacked-updates 10;
${role === 'primary' ? '  mclt 3600;\n  split 128;\n' : ''}  load balance max seconds 3;
}`;

const main = (declaration: string) => (include: string) =>
  `authoritative;\n\n${declaration}\n\ninclude "${include}";\n`;

const subnet = (
  peerName: string,
  routers: string,
  note = '',
): string => `subnet 10.90.0.0 netmask 255.255.255.0 {
  option routers ${routers};${note}
  pool {
    failover peer "${peerName}";
    range 10.90.0.10 10.90.0.99;
  }
  host lab { hardware ethernet 0a:00:00:00:09:01; fixed-address 10.90.0.5; }
}
`;

/**
 * ISC replication run by a worker process of its own (`main-worker`), killed in the middle of a write, on two real
 * dhcpd configurations behind a real sshd: the job another worker takes over keeps the diff of the write that landed.
 */
describe('ISC replication: a worker killed mid-write', () => {
  let t: TestApp;
  let isc: IscEstate;
  const workers: ServiceProcess[] = [];

  // A short lock, so that the killed worker's job is taken over in seconds.
  const startWorker = (): Promise<ServiceProcess> =>
    startWorkerProcess(t, workers, { JOB_LOCK_SECONDS: '3' });

  beforeAll(async () => {
    ({ t, isc } = await startIscEstate({ worker: false }));
  });
  afterAll(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await stopIscEstate(t, isc);
  });

  it('a write the edit made (the copy declined: the server changed during the check) keeps its diff when the job is taken over', async () => {
    const a = await isc.files({
      main: main(peer('dhcp-failover', 'primary', '127.0.0.1', '127.0.0.2')),
      include: subnet('dhcp-failover', '10.90.0.1'),
    });
    // B's declaration has a comment of its own inside the block, which the edit keeps (a copy would not).
    const b: IscServerFiles = await isc.files({
      main: main(peer('fo-b', 'secondary', '127.0.0.2', '127.0.0.1')),
      include: subnet('fo-b', '10.90.0.254', ' # B keeps its own note'),
      midWriteEdits: true,
    });
    const [idA, idB] = [await isc.register(a), await isc.register(b)];
    const rel = await isc.relationship(
      { serverId: idA, peerName: 'dhcp-failover' },
      { serverId: idB, peerName: 'fo-b' },
    );
    // The first check finds dhcpd.conf edited: the write is made again, by the edit, on a fresh read; its restart
    // then waits, with the new files in place, until the worker has been killed.
    await b.editDuringNextCheck('# edited while the write was checked\n');
    await b.holdRestarts();
    const doomed = await startWorker();
    const id = await requestReplication(t, {
      kind: 'scope',
      sourceServerId: idA,
      destinationServerId: idB,
      relationshipId: rel,
      network: '10.90.0.0',
    });
    try {
      expect(await eventually(() => b.restartHeld(), 30_000)).toBe(true);
      process.kill(doomed.child.pid!, 'SIGKILL');
      await doomed.exited();
    } finally {
      await b.releaseRestarts();
    }
    const landed = await b.include();
    expect(landed).toContain('option routers 10.90.0.1; # B keeps its own note');
    const mid = (await t.http.get(`/api/v1/jobs/${id}`).set(bearer(t.adminKey)).expect(200)).body as {
      outcome: { scopes: Record<string, { state: string }> };
    };
    expect(mid.outcome.scopes[`${rel}/10.90.0.0`]?.state).toBe('writing');

    await startWorker();
    const done = await waitForJob(t, id);
    expect(done.state).toBe('succeeded');
    expect(done.outcome.scopes?.[`${rel}/10.90.0.0`]).toMatchObject({ state: 'replaced' });
    // The diff is the one the landed write made, not the empty one a fresh comparison would find.
    const details = await t.http
      .get(`/api/v1/jobs/${id}?include=details`)
      .set(bearer(t.adminKey))
      .expect(200);
    expect(details.body.details.diffs[`${rel}/10.90.0.0`]).toMatchObject({
      unchanged: false,
      options: {
        changed: [
          {
            key: '3',
            before: { code: 3, value: '10.90.0.254' },
            after: { code: 3, value: '10.90.0.1' },
          },
        ],
      },
    });
  });
});
