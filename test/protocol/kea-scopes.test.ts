import { setTimeout as sleep } from 'node:timers/promises';
import { ServersService } from '../../src/servers/servers.service.js';
import { DriverRegistry } from '../../src/vendors/driver-registry.js';
import { SCOPE_PARTS } from '../../src/vendors/scope-content.js';
import { agentInFront, KeaEstate } from '../support/kea/kea-estate.js';
import type { KeaServer } from '../support/kea/kea-server.js';
import { principalWith } from '../support/fixtures.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

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
  let kea: KeaEstate;
  const auth = (): { Authorization: string } => bearer(t.adminKey);

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    kea = new KeaEstate(t);
  });
  afterAll(async () => {
    await kea.stopAll();
    await t.close();
  });

  it("lists a server's subnets and reads one in the vendor-neutral model", async () => {
    const server = await kea.start();
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
    const id = await kea.register(server);
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
    // Many scopes in one read (what replication uses): the same content as one by one, absent ones left out.
    const driver = t.app.get(DriverRegistry).get('kea');
    const target = await t.app.get(ServersService).target(id);
    const many = await driver.readScopes(target, ['10.77.0.0', '10.99.0.0']);
    expect([...many.keys()]).toEqual(['10.77.0.0']);
    expect(many.get('10.77.0.0')).toEqual(scope.body);
    expect((await driver.readScopes(target)).size).toBe(list.body.total);
    const missing = await t.http.get(`/api/v1/servers/${id}/scopes/10.99.0.0`).set(auth()).expect(404);
    expect(missing.body.type).toBe('urn:dfm:problem:server-object-not-found');
    const bad = await t.http.get(`/api/v1/servers/${id}/scopes/10.99.0`).set(auth()).expect(400);
    expect(bad.body.errors[0].field).toBe('path.network');
  });

  it('a caller granted single scopes sees those scopes only: in the list, and reading another is refused', async () => {
    const server = await kea.start();
    await editDirectly(server, (dhcp4) => {
      for (const third of [81, 82, 83]) {
        addSubnet(dhcp4, {
          id: third,
          subnet: `10.${third}.0.0/24`,
          pools: [{ pool: `10.${third}.0.10 - 10.${third}.0.20` }],
        });
      }
    });
    const id = await kea.register(server);
    const scopeGrant = (network: string): Record<string, unknown> => ({
      permissions: ['edit-reservations'],
      resource: { type: 'scope', serverId: id, network },
    });
    const { key } = await principalWith(t, [scopeGrant('10.81.0.0'), scopeGrant('10.83.0.0')]);
    const listed = await t.http.get(`/api/v1/servers/${id}/scopes`).set(bearer(key)).expect(200);
    expect(listed.body).toEqual({
      items: [
        { subnet: '10.81.0.0/24', enabled: true },
        { subnet: '10.83.0.0/24', enabled: true },
      ],
      total: 2,
    });
    await t.http.get(`/api/v1/servers/${id}/scopes/10.81.0.0`).set(bearer(key)).expect(200);
    const refused = await t.http.get(`/api/v1/servers/${id}/scopes/10.82.0.0`).set(bearer(key)).expect(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      type: 'urn:dfm:problem:forbidden',
      missingPermission: 'read-write-scope-options',
    });
    expect(refused.body.detail).toContain('scope 10.82.0.0');
    // A malformed network is the caller's mistake to fix, not a refusal.
    const bad = await t.http.get(`/api/v1/servers/${id}/scopes/10.82.0`).set(bearer(key)).expect(400);
    expect(bad.body.errors[0].field).toBe('path.network');

    // A grant on all the server's scopes sees them all.
    const all = await principalWith(t, [
      { permissions: ['edit-reservations'], resource: { type: 'server-scopes', serverId: id } },
    ]);
    const every = await t.http.get(`/api/v1/servers/${id}/scopes`).set(bearer(all.key)).expect(200);
    expect(every.body.items.map((scope: { subnet: string }) => scope.subnet)).toEqual(
      expect.arrayContaining(['10.81.0.0/24', '10.82.0.0/24', '10.83.0.0/24']),
    );
    await t.http.get(`/api/v1/servers/${id}/scopes/10.82.0.0`).set(bearer(all.key)).expect(200);
  });

  it("a relationship's scopes: out of step when one partner lacks one, added from the source, removed from one side", async () => {
    const [a, b] = [await kea.start(), await kea.start()];
    const [idA, idB] = [await kea.register(a), await kea.register(b)];
    await editDirectly(a, (dhcp4) =>
      addSubnet(dhcp4, {
        id: 51,
        subnet: '10.51.0.0/24',
        pools: [{ pool: '10.51.0.10 - 10.51.0.20' }],
        'valid-lifetime': 1800,
      }),
    );
    const created = await kea.createRelationship(idA, idB);
    expect(created.status).toBe(201);
    const rel = created.body.id as string;

    const before = await t.http.get(`/api/v1/relationships/${rel}/scopes`).set(auth()).expect(200);
    expect(before.body.items).toContainEqual({
      subnet: '10.51.0.0/24',
      network: '10.51.0.0',
      presentOn: [idA],
      inStep: false,
      outOfStep: `${b.name} has no copy`,
    });
    // Out of a relationship, the partner keeps its copy: b has none, so removing a's would leave it nowhere.
    const aBefore = await subnets(a);
    const onlyCopy = await t.http
      .delete(`/api/v1/relationships/${rel}/scopes/10.51.0.0?serverId=${idA}`)
      .set(auth())
      .expect(409);
    expect(onlyCopy.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(onlyCopy.body.type).toBe('urn:dfm:problem:conflict');
    expect(onlyCopy.body.detail).toContain(`has no copy of 10.51.0.0`);
    expect(onlyCopy.body.detail).toContain(`sourceServerId ${idA}`);
    expect(await subnets(a)).toEqual(aBefore);

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

    // Disabled on b: every pool closed by a class no client is in (Kea 2.2 has no disabled flag); reservations stay.
    const disabled = await t.http
      .delete(`/api/v1/relationships/${rel}/scopes/10.51.0.0?serverId=${idB}&copy=disable`)
      .set(auth())
      .expect(200);
    expect(disabled.body).toMatchObject({ network: '10.51.0.0', serverId: idB, action: 'disabled' });
    expect((await subnets(b)).find((subnet) => subnet.subnet === '10.51.0.0/24')).toMatchObject({
      id: 51,
      pools: [{ pool: '10.51.0.10-10.51.0.20', 'client-class': 'dfm-scope-disabled' }],
    });
    const closed = await t.http.get(`/api/v1/servers/${idB}/scopes/10.51.0.0`).set(auth()).expect(200);
    expect(closed.body).toMatchObject({
      enabled: false,
      pools: [{ start: '10.51.0.10', end: '10.51.0.20' }],
    });
    expect(closed.body.vendorExtras?.pools).toBeUndefined();
    // Written again from a's copy (enabled there), as replication writes it: the pools open again.
    const driver = t.app.get(DriverRegistry).get('kea');
    const servers = t.app.get(ServersService);
    const [targetA, targetB] = [await servers.target(idA), await servers.target(idB)];
    const content = await driver.readScope(targetA, '10.51.0.0');
    await driver.writeScopes(targetB, [{ content, parts: SCOPE_PARTS }], {
      principalId: 'test',
      correlationId: 'kea-scopes',
    });
    const reopenedScope = await t.http.get(`/api/v1/servers/${idB}/scopes/10.51.0.0`).set(auth()).expect(200);
    expect(reopenedScope.body.enabled).toBe(true);
    const reopened = (await subnets(b)).find((subnet) => subnet.subnet === '10.51.0.0/24')?.pools as
      Array<Record<string, unknown>> | undefined;
    expect(reopened?.map((pool) => [pool['pool'], pool['client-class']])).toEqual([
      ['10.51.0.10-10.51.0.20', undefined],
    ]);
    const removed = await t.http
      .delete(`/api/v1/relationships/${rel}/scopes/10.51.0.0?serverId=${idB}`)
      .set(auth())
      .expect(200);
    expect(removed.body).toMatchObject({ network: '10.51.0.0', serverId: idB, action: 'deleted' });
    expect((await subnets(b)).map((subnet) => subnet.subnet)).not.toContain('10.51.0.0/24');
    expect((await subnets(a)).map((subnet) => subnet.subnet)).toContain('10.51.0.0/24');

    // Now a alone has it again: removing that copy too needs confirmLastCopy=true, which must be a boolean.
    const unreadable = await t.http
      .delete(`/api/v1/relationships/${rel}/scopes/10.51.0.0?serverId=${idA}&confirmLastCopy=yes`)
      .set(auth())
      .expect(400);
    expect(unreadable.body.errors).toEqual([
      { field: 'confirmLastCopy', message: 'confirmLastCopy must be true or false' },
    ]);
    const refused = await t.http
      .delete(`/api/v1/relationships/${rel}/scopes/10.51.0.0?serverId=${idA}&confirmLastCopy=false`)
      .set(auth())
      .expect(409);
    expect(refused.body.detail).toContain('confirmLastCopy=true');
    expect((await subnets(a)).map((subnet) => subnet.subnet)).toContain('10.51.0.0/24');
    const last = await t.http
      .delete(`/api/v1/relationships/${rel}/scopes/10.51.0.0?serverId=${idA}&confirmLastCopy=true`)
      .set(auth())
      .expect(200);
    expect(last.body).toMatchObject({ network: '10.51.0.0', serverId: idA, action: 'deleted' });
    expect(last.body.detail).toContain('no server of the relationship serves it now');
    expect((await subnets(a)).map((subnet) => subnet.subnet)).not.toContain('10.51.0.0/24');
    const lastEvent = await t.http
      .get(`/api/v1/audit-events?targetId=${rel}&action=relationship.scope-removed`)
      .set(auth())
      .expect(200);
    expect(lastEvent.body.items[0].details).toMatchObject({
      network: '10.51.0.0',
      serverId: idA,
      lastCopy: true,
    });
  });

  it("a partner that cannot be read: its scopes are unknown, the other's are listed (200); neither: 502", async () => {
    const [a, b] = [await kea.start(), await kea.start()];
    const [idA, idB] = [await kea.register(a), await kea.register(b)];
    await editDirectly(a, (dhcp4) =>
      addSubnet(dhcp4, { id: 56, subnet: '10.56.0.0/24', pools: [{ pool: '10.56.0.10 - 10.56.0.20' }] }),
    );
    const created = await kea.createRelationship(idA, idB);
    expect(created.status).toBe(201);
    const rel = created.body.id as string;
    await b.stop();
    const partial = await t.http.get(`/api/v1/relationships/${rel}/scopes`).set(auth()).expect(200);
    expect(partial.body.servers).toEqual([
      { serverId: idA, serverName: a.name, scopesKnown: true },
      { serverId: idB, serverName: b.name, scopesKnown: false, error: expect.stringContaining(b.caUrl) },
    ]);
    expect(partial.body.items).toContainEqual({
      subnet: '10.56.0.0/24',
      network: '10.56.0.0',
      presentOn: [idA],
      inStep: null,
      outOfStep: expect.stringContaining(`${b.name}'s scopes could not be read`),
    });
    expect(partial.body.total).toBe(partial.body.items.length);
    await a.stop();
    const neither = await t.http.get(`/api/v1/relationships/${rel}/scopes`).set(auth()).expect(502);
    expect(neither.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(neither.body.type).toBe('urn:dfm:problem:server-unreachable');
  });

  it('a scope whose subnet id the partner gives another subnet is refused, not created there under another id', async () => {
    const [a, b] = [await kea.start(), await kea.start()];
    const [idA, idB] = [await kea.register(a), await kea.register(b)];
    await editDirectly(a, (dhcp4) =>
      addSubnet(dhcp4, { id: 53, subnet: '10.53.0.0/24', pools: [{ pool: '10.53.0.10 - 10.53.0.20' }] }),
    );
    // b has another subnet under id 53.
    await editDirectly(b, (dhcp4) =>
      addSubnet(dhcp4, { id: 53, subnet: '10.54.0.0/24', pools: [{ pool: '10.54.0.10 - 10.54.0.20' }] }),
    );
    const created = await kea.createRelationship(idA, idB);
    expect(created.status).toBe(201);
    const rel = created.body.id as string;
    const before = await subnets(b);
    const refused = await t.http
      .post(`/api/v1/relationships/${rel}/scopes`)
      .set(auth())
      .send({ network: '10.53.0.0', sourceServerId: idA })
      .expect(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.detail).toContain('subnet id 53');
    expect(refused.body.detail).toContain('10.54.0.0/24');
    expect(await subnets(b)).toEqual(before);
    // A write that was not asked first (or met a change made in between) is refused by the driver all the same.
    const driver = t.app.get(DriverRegistry).get('kea');
    const servers = t.app.get(ServersService);
    const content = await driver.readScope(await servers.target(idA), '10.53.0.0');
    await expect(
      driver.writeScopes(await servers.target(idB), [{ content, parts: SCOPE_PARTS }], {
        principalId: 'test',
        correlationId: 'kea-scopes',
      }),
    ).rejects.toMatchObject({ code: 'invalid-config', message: expect.stringContaining('subnet id 53') });
    expect(await subnets(b)).toEqual(before);
    await t.http.delete(`/api/v1/relationships/${rel}`).set(auth()).expect(200);
  });

  it('a scope write Kea takes but cannot save (config-write fails) says the server runs it unsaved', async () => {
    const [a, b] = [await kea.start(), await kea.start()];
    let failWrites = false;
    const agent = await agentInFront(b, async (command) =>
      failWrites && command === 'config-write'
        ? { result: 1, text: 'Unable to open file for writing' }
        : undefined,
    );
    try {
      const [idA, idB] = [await kea.register(a), await kea.register(b, { url: agent.url })];
      await editDirectly(a, (dhcp4) =>
        addSubnet(dhcp4, { id: 55, subnet: '10.55.0.0/24', pools: [{ pool: '10.55.0.10 - 10.55.0.20' }] }),
      );
      const created = await kea.createRelationship(idA, idB);
      expect(created.status).toBe(201);
      failWrites = true;
      const response = await t.http
        .post(`/api/v1/relationships/${created.body.id as string}/scopes`)
        .set(auth())
        .send({ network: '10.55.0.0', sourceServerId: idA })
        .expect(422);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.detail).toContain('runs the change without having saved it');
      expect(response.body.detail).toContain('lost at its next restart');
    } finally {
      await agent.close();
    }
  });

  it('removing a scope neither partner has is a 404 naming the server, not a 409 asking to add it to the partner', async () => {
    const [a, b] = [await kea.start(), await kea.start()];
    const [idA, idB] = [await kea.register(a), await kea.register(b)];
    const created = await kea.createRelationship(idA, idB);
    expect(created.status).toBe(201);
    const rel = created.body.id as string;
    const before = [await subnets(a), await subnets(b)];
    // 10.52.0.0 is on neither server; 192.0.2.7 is a host address inside a subnet both have, not a network.
    for (const network of ['10.52.0.0', '192.0.2.7']) {
      for (const confirm of ['', '&confirmLastCopy=true']) {
        const response = await t.http
          .delete(`/api/v1/relationships/${rel}/scopes/${network}?serverId=${idA}${confirm}`)
          .set(auth())
          .expect(404);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body.type).toBe('urn:dfm:problem:server-object-not-found');
        expect(response.body.detail).toContain(`${a.name} has no subnet ${network}`);
        expect(response.body.detail).not.toContain('add it to');
      }
    }
    expect([await subnets(a), await subnets(b)]).toEqual(before);
    const events = await t.http
      .get(`/api/v1/audit-events?targetId=${rel}&action=relationship.scope-removed`)
      .set(auth())
      .expect(200);
    expect(events.body.items).toEqual([]);
    await t.http.delete(`/api/v1/relationships/${rel}`).set(auth()).expect(200);
  });

  it.each([
    // Kea last reloaded long enough ago: the cheap status-get check decides.
    ['the status-get reload check', 2500],
    // Kea reloaded within the last two seconds: status-get cannot tell, the configuration is read again.
    ['a second config-get', 0],
  ])('an edit made directly on the server during our write is kept (detected by %s)', async (_, settleMs) => {
    const [a, b] = [await kea.start(), await kea.start()];
    // Between our read and our config-set, someone adds 10.88.0.0/24 on b directly.
    let edited = false;
    const agent = await agentInFront(b, async (command) => {
      if (command === 'config-test' && !edited) {
        edited = true;
        await editDirectly(b, (dhcp4) => addSubnet(dhcp4, { id: 88, subnet: '10.88.0.0/24' }));
      }
      return undefined;
    });
    try {
      const [idA, idB] = [await kea.register(a), await kea.register(b, { url: agent.url })];
      await editDirectly(b, () => undefined); // a reload now, then let it age (or not)
      await sleep(settleMs);
      const created = await kea.createRelationship(idA, idB);
      expect(created.status).toBe(201);
      expect(edited).toBe(true);
      const dhcp4 = await b.dhcp4Config();
      expect((dhcp4['subnet4'] as Subnet[]).map((subnet) => subnet.subnet)).toContain('10.88.0.0/24'); // theirs survived
      expect(JSON.stringify(dhcp4['hooks-libraries'])).toContain('libdhcp_ha.so'); // and ours was applied on top
    } finally {
      await agent.close();
    }
  });
});
