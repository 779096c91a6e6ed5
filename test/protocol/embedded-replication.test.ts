import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAST_HA, KEA_AUTH } from '../support/kea/kea-estate.js';
import { type KeaServer, startKeaServer } from '../support/kea/kea-server.js';
import { officeSubnet, setSubnet, subnetOnDisk } from '../support/kea/kea-subnets.js';
import { type ServiceProcess, spawnService } from '../support/service-process.js';

/**
 * The README's `npm start` on a machine with neither Postgres nor Redis configured: the embedded database and
 * BullMQ's PostgreSQL queue backend carry a replication job from request to done against a real Kea pair.
 */
describe('replication on the embedded default (PGlite, queues on Postgres)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dfm-embedded-replication-'));
  const adminKey = `dfm_${randomBytes(24).toString('base64url')}`;
  let service: ServiceProcess;
  let url: string;
  let a: KeaServer;
  let b: KeaServer;

  const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  const register = async (server: KeaServer): Promise<string> =>
    (
      await call('POST', '/api/v1/servers', {
        name: server.name,
        vendor: 'kea',
        address: server.host,
        connection: { url: server.caUrl, ...KEA_AUTH },
      })
    )['id'] as string;

  beforeAll(async () => {
    [a, b] = [
      await startKeaServer({ name: 'embedded-a', auth: KEA_AUTH }),
      await startKeaServer({ name: 'embedded-b', auth: KEA_AUTH }),
    ];
    service = spawnService({ PORT: '0', DATA_DIR: dataDir, BOOTSTRAP_API_KEY: adminKey });
    url = await service.ready(120_000);
  }, 180_000);
  afterAll(async () => {
    await service?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a relationship replication to the end and shows it on the queue dashboard', async () => {
    expect(service.output()).toContain('queues: postgres');
    const [idA, idB] = [await register(a), await register(b)];
    const relationship = await call('POST', '/api/v1/relationships', {
      name: 'embedded-pair',
      vendor: 'kea',
      mode: 'hot-standby',
      servers: [
        { serverId: idA, role: 'primary' },
        { serverId: idB, role: 'standby' },
      ],
      settings: FAST_HA,
    });
    await setSubnet(a, officeSubnet(81, '10.81.0.81'));

    const accepted = await call('POST', '/api/v1/replications', {
      kind: 'relationship',
      sourceServerId: idA,
      relationshipId: relationship['id'],
    });
    let job: Record<string, unknown> = accepted;
    for (let i = 0; i < 600 && ['queued', 'running'].includes(job['state'] as string); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = await call('GET', `/api/v1/jobs/${accepted['id'] as string}`);
    }
    expect(job['state']).toBe('succeeded');
    expect(
      (job['outcome'] as { scopes: Record<string, { state: string }> }).scopes[
        `${relationship['id'] as string}/10.81.0.0`
      ],
    ).toMatchObject({ state: 'replaced' });
    expect(await subnetOnDisk(b, '10.81.0.0/24')).toMatchObject({
      'option-data': [{ name: 'routers', data: '10.81.0.81' }],
    });

    const queues = await call('GET', '/admin/queues/api/queues');
    expect(queues['queues']).toMatchObject([{ name: 'replication' }]);
  }, 120_000);
});
