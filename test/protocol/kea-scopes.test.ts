import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueName } from '../support/fixtures.js';
import { type KeaServer, startKeaServer } from '../support/kea/kea-server.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

const AUTH = { username: 'dfm-api', password: 'kea-agent-secret' };

type Subnet = { id: number; subnet: string; [key: string]: unknown };

/** An edit made on the server directly, as an administrator would (config-get, change, config-set). */
async function editDirectly(
  server: KeaServer,
  change: (dhcp4: Record<string, unknown>) => void,
): Promise<void> {
  const dhcp4 = await server.dhcp4Config();
  change(dhcp4);
  const answer = await server.command('config-set', { Dhcp4: dhcp4 });
  if (answer.result !== 0) throw new Error(`config-set failed: ${JSON.stringify(answer)}`);
}

const subnets = async (server: KeaServer): Promise<Subnet[]> =>
  ((await server.dhcp4Config())['subnet4'] as Subnet[]) ?? [];
const addSubnet = (dhcp4: Record<string, unknown>, subnet: Subnet): void => {
  dhcp4['subnet4'] = [...((dhcp4['subnet4'] as Subnet[] | undefined) ?? []), subnet];
};

describe('Kea scopes: read live, relationship scopes, races with edits made elsewhere', () => {
  let t: TestApp;
  const kea: KeaServer[] = [];
  const auth = (): { Authorization: string } => bearer(t.adminKey);

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await Promise.all(kea.map((server) => server.stop()));
    await t.close();
  });

  async function keaServer(): Promise<KeaServer> {
    const server = await startKeaServer({ name: uniqueName('kea'), auth: AUTH });
    kea.push(server);
    return server;
  }

  async function register(server: KeaServer, url = server.caUrl): Promise<string> {
    const response = await t.http
      .post('/api/v1/servers')
      .set(auth())
      .send({ name: server.name, vendor: 'kea', address: server.host, connection: { url, ...AUTH } })
      .expect(201);
    return response.body.id as string;
  }

  it("lists a server's subnets and reads one in the vendor-neutral model", async () => {
    const server = await keaServer();
    await editDirectly(server, (dhcp4) =>
      addSubnet(dhcp4, {
        id: 77,
        subnet: '10.77.0.0/24',
        'renew-timer': 900,
        'user-context': { name: 'Lab', description: 'Bench lab' },
        pools: [{ pool: '10.77.0.10 - 10.77.0.99' }],
        'option-data': [{ name: 'routers', data: '10.77.0.1' }],
        reservations: [{ 'hw-address': '0a:0b:0c:0d:0e:0f', 'ip-address': '10.77.0.5', hostname: 'printer' }],
      }),
    );
    const id = await register(server);
    const list = await t.http.get(`/api/v1/servers/${id}/scopes`).set(auth()).expect(200);
    expect(list.body.items).toContainEqual({ subnet: '10.77.0.0/24', name: 'Lab', enabled: true });
    const scope = await t.http.get(`/api/v1/servers/${id}/scopes/10.77.0.0`).set(auth()).expect(200);
    expect(scope.body).toMatchObject({
      subnet: '10.77.0.0/24',
      name: 'Lab',
      description: 'Bench lab',
      pools: [{ start: '10.77.0.10', end: '10.77.0.99' }],
      reservations: [
        { address: '10.77.0.5', hardwareAddress: '0a:0b:0c:0d:0e:0f', name: 'printer', options: [] },
      ],
      options: [{ code: 3, name: 'routers', value: '10.77.0.1' }],
      vendorExtras: { id: 77, 'renew-timer': 900 },
    });
    const missing = await t.http.get(`/api/v1/servers/${id}/scopes/10.99.0.0`).set(auth()).expect(404);
    expect(missing.body.type).toBe('urn:dfm:problem:server-object-not-found');
    const bad = await t.http.get(`/api/v1/servers/${id}/scopes/10.99.0`).set(auth()).expect(400);
    expect(bad.body.errors[0].field).toBe('path.network');
  });

  it("a relationship's scopes: out of step when one partner lacks one, added from the source, removed from one side", async () => {
    const [a, b] = [await keaServer(), await keaServer()];
    const [idA, idB] = [await register(a), await register(b)];
    await editDirectly(a, (dhcp4) =>
      addSubnet(dhcp4, {
        id: 51,
        subnet: '10.51.0.0/24',
        pools: [{ pool: '10.51.0.10 - 10.51.0.20' }],
        'valid-lifetime': 1800,
      }),
    );
    const created = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name: uniqueName('rel'),
        vendor: 'kea',
        mode: 'hot-standby',
        servers: [
          { serverId: idA, role: 'primary' },
          { serverId: idB, role: 'standby' },
        ],
        settings: { heartbeatDelay: 1000 },
      })
      .expect(201);
    const rel = created.body.id as string;

    const before = await t.http.get(`/api/v1/relationships/${rel}/scopes`).set(auth()).expect(200);
    expect(before.body.items).toContainEqual({
      subnet: '10.51.0.0/24',
      network: '10.51.0.0',
      presentOn: [idA],
      inStep: false,
    });

    const added = await t.http
      .post(`/api/v1/relationships/${rel}/scopes`)
      .set(auth())
      .send({ network: '10.51.0.0', sourceServerId: idA })
      .expect(201);
    expect(added.body).toMatchObject({ network: '10.51.0.0', serverId: idB, action: 'created' });
    const copy = (await subnets(b)).find((subnet) => subnet.subnet === '10.51.0.0/24');
    expect(copy).toMatchObject({
      id: 51,
      'valid-lifetime': 1800,
      pools: [{ pool: '10.51.0.10-10.51.0.20' }],
    });
    const events = await t.http
      .get(`/api/v1/audit-events?targetId=${rel}&action=relationship.scope-added`)
      .set(auth())
      .expect(200);
    expect(events.body.items[0].details).toEqual({
      network: '10.51.0.0',
      from: idA,
      to: idB,
      before: expect.stringMatching(/^[0-9a-f]{16}$/),
      after: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    const after = await t.http.get(`/api/v1/relationships/${rel}/scopes`).set(auth()).expect(200);
    expect(after.body.items.every((scope: { inStep: boolean }) => scope.inStep)).toBe(true);

    await t.http
      .post(`/api/v1/relationships/${rel}/scopes`)
      .set(auth())
      .send({ network: '10.51.0.0', sourceServerId: idA })
      .expect(409);

    const disabled = await t.http
      .delete(`/api/v1/relationships/${rel}/scopes/10.51.0.0?serverId=${idB}&copy=disable`)
      .set(auth())
      .expect(501);
    expect(disabled.body.type).toBe('urn:dfm:problem:server-unsupported-operation');
    const removed = await t.http
      .delete(`/api/v1/relationships/${rel}/scopes/10.51.0.0?serverId=${idB}`)
      .set(auth())
      .expect(200);
    expect(removed.body).toMatchObject({ network: '10.51.0.0', serverId: idB, action: 'deleted' });
    expect((await subnets(b)).map((subnet) => subnet.subnet)).not.toContain('10.51.0.0/24');
    expect((await subnets(a)).map((subnet) => subnet.subnet)).toContain('10.51.0.0/24');
  });

  it('an edit made directly on the server during our write is kept: ours is redone from a fresh read', async () => {
    const [a, b] = [await keaServer(), await keaServer()];
    // Between our read and our config-set, someone adds 10.88.0.0/24 on b directly.
    let edited = false;
    const proxy = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const command = (JSON.parse(body.toString()) as { command?: string }).command;
        const forward = async (): Promise<void> => {
          if (command === 'config-test' && !edited) {
            edited = true;
            await editDirectly(b, (dhcp4) => addSubnet(dhcp4, { id: 88, subnet: '10.88.0.0/24' }));
          }
          const upstream = await fetch(b.caUrl, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: request.headers.authorization ?? '',
            },
            body,
          });
          response
            .writeHead(upstream.status, { 'content-type': 'application/json' })
            .end(await upstream.text());
        };
        forward().catch(() => response.writeHead(502).end());
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, b.host, resolve));
    try {
      const [idA, idB] = [
        await register(a),
        await register(b, `http://${b.host}:${(proxy.address() as AddressInfo).port}/`),
      ];
      await editDirectly(a, (dhcp4) =>
        addSubnet(dhcp4, { id: 52, subnet: '10.52.0.0/24', pools: [{ pool: '10.52.0.5 - 10.52.0.9' }] }),
      );
      // Past Kea's one-second reload resolution, so the cheap status-get check (not a second config-get) decides.
      await sleep(2500);
      const created = await t.http
        .post('/api/v1/relationships')
        .set(auth())
        .send({
          name: uniqueName('race'),
          vendor: 'kea',
          mode: 'hot-standby',
          servers: [
            { serverId: idA, role: 'primary' },
            { serverId: idB, role: 'standby' },
          ],
        })
        .expect(201);
      await t.http
        .post(`/api/v1/relationships/${created.body.id}/scopes`)
        .set(auth())
        .send({ network: '10.52.0.0', sourceServerId: idA })
        .expect(201);
      expect(edited).toBe(true);
      const names = (await subnets(b)).map((subnet) => subnet.subnet);
      expect(names).toContain('10.88.0.0/24'); // the edit made elsewhere survived
      expect(names).toContain('10.52.0.0/24'); // and ours was applied on top of it
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
