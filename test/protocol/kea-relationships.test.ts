import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { configDigest } from '../../src/vendors/kea/kea-config-update.js';
import { principalWith, uniqueName } from '../support/fixtures.js';
import { agentInFront, FAST_HA, KeaEstate } from '../support/kea/kea-estate.js';
import {
  disableHa,
  enableHa,
  KEA_HOOKS_DIR,
  reconfigure,
  type KeaServer,
} from '../support/kea/kea-server.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

type HaHook = { library: string; parameters?: { 'high-availability': Array<Record<string, unknown>> } };

describe('Kea: driver and HA relationships on real Kea 2.2', () => {
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

  const digestOf = async (server: KeaServer): Promise<string> =>
    configDigest({ Dhcp4: await server.dhcp4Config() });
  const hooks = async (server: KeaServer): Promise<HaHook[]> =>
    ((await server.dhcp4Config())['hooks-libraries'] as HaHook[] | undefined) ?? [];
  const hookFiles = async (server: KeaServer): Promise<string[]> =>
    (await hooks(server)).map((hook) => hook.library.split('/').pop()!);

  async function pair(): Promise<{ a: KeaServer; b: KeaServer; idA: string; idB: string }> {
    const [a, b] = [await kea.start(), await kea.start()];
    return { a, b, idA: await kea.register(a), idB: await kea.register(b) };
  }

  async function waitForStatus(id: string, status: string): Promise<Record<string, unknown>> {
    let last: Record<string, unknown> = {};
    for (let i = 0; i < 60; i++) {
      last = (await t.http.get(`/api/v1/relationships/${id}/state`).set(auth()).expect(200)).body;
      if (last['status'] === status) return last;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`relationship ${id} never became ${status}: ${JSON.stringify(last)}`);
  }

  it('a connection test reports the Kea version, its hooks and subnets', async () => {
    const id = await kea.register(await kea.start());
    const response = await t.http.post(`/api/v1/servers/${id}/connection-test`).set(auth()).expect(200);
    expect(response.body).toMatchObject({
      ok: true,
      software: 'ISC Kea DHCPv4',
      version: '2.2.0',
      facts: { hooks: [], haConfigured: false },
    });
    expect(response.body.facts.subnets).toBeGreaterThan(0);
  });

  it('basic auth: a wrong password is an auth failure, not an error', async () => {
    const id = await kea.register(await kea.start(), { password: 'wrong-password' });
    const response = await t.http.post(`/api/v1/servers/${id}/connection-test`).set(auth()).expect(200);
    expect(response.body).toMatchObject({ ok: false, error: { code: 'auth' } });
    expect(JSON.stringify(response.body)).not.toContain('wrong-password');
  });

  it('a dhcp4 that is down behind a running agent is reported unreachable', async () => {
    const server = await kea.start();
    const id = await kea.register(server);
    process.kill(server.dhcp4Pid, 'SIGKILL');
    const response = await t.http.post(`/api/v1/servers/${id}/connection-test`).set(auth()).expect(200);
    expect(response.body).toMatchObject({ ok: false, error: { code: 'unreachable' } });
  });

  it('creates a hot-standby relationship that reaches hot-standby on both, reports live state, and removes it leaving the scopes', async () => {
    const { a, b, idA, idB } = await pair();
    const subnetsBefore = ((await a.dhcp4Config())['subnet4'] as unknown[]).length;
    const created = await kea.createRelationship(idA, idB);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      vendor: 'kea',
      mode: 'hot-standby',
      settings: FAST_HA,
      discovered: false,
    });
    expect(await hookFiles(a)).toEqual(['libdhcp_lease_cmds.so', 'libdhcp_ha.so']);
    expect(await hookFiles(b)).toEqual(['libdhcp_lease_cmds.so', 'libdhcp_ha.so']);
    // Persisted with config-write: the file on disk has HA too.
    expect(JSON.stringify(await b.readConfigFile())).toContain('libdhcp_ha.so');

    const state = await waitForStatus(created.body.id, 'normal');
    expect(state['servers']).toMatchObject([
      { serverId: idA, reachable: true, state: 'hot-standby' },
      { serverId: idB, reachable: true, state: 'hot-standby' },
    ]);

    const listed = await t.http.get(`/api/v1/relationships?serverId=${idB}`).set(auth()).expect(200);
    expect(listed.body.items.map((r: { id: string }) => r.id)).toEqual([created.body.id]);
    expect(listed.body.items[0].status).toBe('normal');

    // A server in a relationship cannot be unregistered.
    await t.http.delete(`/api/v1/servers/${idA}`).set(auth()).expect(409);

    const removed = await t.http.delete(`/api/v1/relationships/${created.body.id}`).set(auth()).expect(200);
    expect(removed.body.detail).toMatch(/scopes stay/);
    expect(removed.body.servers).toEqual([
      { serverId: idA, failoverRemoved: true, scopesKept: true },
      { serverId: idB, failoverRemoved: true, scopesKept: true },
    ]);
    for (const server of [a, b]) {
      expect(await hookFiles(server)).not.toContain('libdhcp_ha.so');
      expect(((await server.dhcp4Config())['subnet4'] as unknown[]).length).toBe(subnetsBefore);
    }
    await t.http.get(`/api/v1/relationships/${created.body.id}`).set(auth()).expect(404);

    const audit: Array<{ action: string; details: { servers: Array<{ before: string; after: string }> } }> =
      await t.app
        .get(DataSource)
        .query(`SELECT action, details FROM audit_events WHERE target_id = $1 ORDER BY at`, [
          created.body.id,
        ]);
    expect(audit.map((event) => event.action)).toEqual(['relationship.created', 'relationship.deleted']);
    for (const server of audit[0].details.servers) expect(server.before).not.toBe(server.after);
  });

  it('PATCH changes mode, roles and parameters on both servers, honours If-Match, and keeps the servers fixed', async () => {
    const { a, b, idA, idB } = await pair();
    const created = await kea.createRelationship(idA, idB);
    const id = created.body.id as string;
    const changed = await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set(auth())
      .set('If-Match', created.headers['etag'])
      .send({
        mode: 'load-balancing',
        servers: [
          { serverId: idB, role: 'secondary' },
          { serverId: idA, role: 'primary' },
        ],
        settings: { heartbeatDelay: 500, syncLeases: null },
      })
      .expect(200);
    expect(changed.body).toMatchObject({
      mode: 'load-balancing',
      servers: [
        { serverId: idA, role: 'primary' },
        { serverId: idB, role: 'secondary' },
      ],
    });
    expect(changed.body.settings).toEqual({ ...FAST_HA, heartbeatDelay: 500 });
    for (const server of [a, b]) {
      const ha = (await hooks(server)).find((hook) => hook.library.endsWith('libdhcp_ha.so'))!.parameters![
        'high-availability'
      ][0];
      expect(ha).toMatchObject({
        mode: 'load-balancing',
        'heartbeat-delay': 500,
        'this-server-name': server.name,
      });
    }
    const state = await waitForStatus(id, 'normal');
    expect(state['servers']).toMatchObject([{ state: 'load-balancing' }, { state: 'load-balancing' }]);

    await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set(auth())
      .set('If-Match', created.headers['etag'])
      .send({ settings: { heartbeatDelay: 800 } })
      .expect(412);
    const moved = await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set(auth())
      .send({
        servers: [
          { serverId: idA, role: 'primary' },
          { serverId: idA, role: 'secondary' },
        ],
      })
      .expect(400);
    expect(moved.body.errors.map((e: { field: string }) => e.field)).toContain('servers');
    await t.http.delete(`/api/v1/relationships/${id}`).set(auth()).expect(200);
  });

  it.each([
    ['load-balancing', ['load-balancing', 'load-balancing']],
    ['passive-backup', ['passive-backup', 'backup']],
  ] as const)('%s reaches its state on both', async (mode, states) => {
    const { idA, idB } = await pair();
    const created = await kea.createRelationship(idA, idB, { mode });
    expect(created.status).toBe(201);
    const state = await waitForStatus(created.body.id, 'normal');
    expect(state['servers']).toMatchObject([{ state: states[0] }, { state: states[1] }]);
    await t.http.delete(`/api/v1/relationships/${created.body.id}`).set(auth()).expect(200);
  });

  it("a change of mode drops the stored setting of the mode left (waitBackupAck, delayedUpdatesLimit), as ISC's and Windows' do", async () => {
    const { a, b, idA, idB } = await pair();
    const created = await kea.createRelationship(idA, idB, {
      mode: 'passive-backup',
      settings: { ...FAST_HA, waitBackupAck: true },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const haOf = async (server: KeaServer): Promise<Record<string, unknown>> =>
      (await hooks(server)).find((hook) => hook.library.endsWith('libdhcp_ha.so'))!.parameters![
        'high-availability'
      ][0];
    const toLoadBalancing = await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set(auth())
      .send({
        mode: 'load-balancing',
        servers: [
          { serverId: idA, role: 'primary' },
          { serverId: idB, role: 'secondary' },
        ],
        settings: { delayedUpdatesLimit: 5 },
      });
    expect(toLoadBalancing.status).toBe(200);
    expect(toLoadBalancing.body.settings).toEqual({ ...FAST_HA, delayedUpdatesLimit: 5 });
    for (const server of [a, b]) {
      expect(await haOf(server)).toMatchObject({
        mode: 'load-balancing',
        'wait-backup-ack': false,
        'delayed-updates-limit': 5,
      });
    }
    const toHotStandby = await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set(auth())
      .send({
        mode: 'hot-standby',
        servers: [
          { serverId: idA, role: 'primary' },
          { serverId: idB, role: 'standby' },
        ],
      });
    expect(toHotStandby.status).toBe(200);
    expect(toHotStandby.body.settings).toEqual(FAST_HA);
    for (const server of [a, b]) {
      expect(await haOf(server)).toMatchObject({ mode: 'hot-standby', 'delayed-updates-limit': 0 });
    }
    // Sent again with the new mode, it is checked as sent.
    const refused = await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set(auth())
      .send({ settings: { waitBackupAck: true } })
      .expect(400);
    expect(refused.body.errors).toEqual([
      { field: 'settings.waitBackupAck', message: expect.stringContaining('passive-backup only') },
    ]);
    await t.http.delete(`/api/v1/relationships/${id}`).set(auth()).expect(200);
  });

  it("PATCH with parameters Kea 2.2's HA hook refuses on load is a 400 naming them; both servers keep HA", async () => {
    const { a, b, idA, idB } = await pair();
    const created = await kea.createRelationship(idA, idB);
    const id = created.body.id as string;
    await waitForStatus(id, 'normal');
    const digests = [await digestOf(a), await digestOf(b)];
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ settings: { heartbeatDelay: 65_536 } }, 'settings.heartbeatDelay', 'must not be greater than 65535'],
      [
        { settings: { maxResponseDelay: 65_536 } },
        'settings.maxResponseDelay',
        'must not be greater than 65535',
      ],
      [{ settings: { maxAckDelay: 65_536 } }, 'settings.maxAckDelay', 'must not be greater than 65535'],
      [{ settings: { delayedUpdatesLimit: 10 } }, 'settings.delayedUpdatesLimit', 'only load-balancing'],
      [{ settings: { waitBackupAck: true } }, 'settings.waitBackupAck', 'passive-backup only'],
    ];
    for (const [body, field, message] of cases) {
      const response = await t.http.patch(`/api/v1/relationships/${id}`).set(auth()).send(body).expect(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.type).toBe('urn:dfm:problem:validation');
      expect(response.body.errors).toEqual([{ field, message: expect.stringContaining(message) }]);
    }
    expect([await digestOf(a), await digestOf(b)]).toEqual(digests);
    const state = await t.http.get(`/api/v1/relationships/${id}/state`).set(auth()).expect(200);
    expect(state.body.status).toBe('normal');
    await t.http.delete(`/api/v1/relationships/${id}`).set(auth()).expect(200);
  });

  it('two registrations of one Control Agent are one server: a relationship between them is refused, nothing written', async () => {
    const a = await kea.start();
    const idA = await kea.register(a);
    const again = await t.http
      .post('/api/v1/servers')
      .set(auth())
      .send({
        name: `${a.name}-again`,
        vendor: 'kea',
        address: a.host,
        // The same agent, written without the trailing slash.
        connection: { url: a.caUrl.replace(/\/$/, ''), username: 'dfm-api', password: 'kea-agent-secret' },
      })
      .expect(201);
    const before = await digestOf(a);
    const response = await kea.createRelationship(idA, again.body.id as string);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.errors).toEqual([
      { field: 'servers[1].serverId', message: expect.stringContaining('same Control Agent') },
    ]);
    expect(await digestOf(a)).toBe(before);
    expect(await hookFiles(a)).not.toContain('libdhcp_ha.so');
  });

  it('DELETE says which server the HA came off and which had none left (taken off by hand)', async () => {
    const { a, b, idA, idB } = await pair();
    const created = await kea.createRelationship(idA, idB);
    expect(created.status).toBe(201);
    await disableHa([a]);
    const removed = await t.http.delete(`/api/v1/relationships/${created.body.id}`).set(auth()).expect(200);
    expect(removed.body.servers).toEqual([
      { serverId: idA, failoverRemoved: false, scopesKept: true },
      { serverId: idB, failoverRemoved: true, scopesKept: true },
    ]);
    expect(removed.body.detail).toBe(
      `The failover configuration came off ${b.name}; ${a.name} had none left. Their scopes stay on both.`,
    );
    expect(await hookFiles(b)).not.toContain('libdhcp_ha.so');
  });

  it('when discovery on a partner fails nothing is changed, and the problem says so', async () => {
    const [a, b] = [await kea.start(), await kea.start()];
    const idA = await kea.register(a);
    const idB = await kea.register(b, { password: 'not-the-password' });
    const before = await digestOf(a);
    const response = await kea.createRelationship(idA, idB);
    expect(response.status).toBe(502);
    expect(response.body.type).toBe('urn:dfm:problem:server-auth-failed');
    expect(await digestOf(a)).toBe(before);
  });

  it('when the second server rejects its change, the first is restored and the problem says so', async () => {
    const [a, b] = [await kea.start(), await kea.start()];
    const text = 'simulated: the standby refuses this configuration';
    const agent = await agentInFront(b, async (command) =>
      command === 'config-test' ? { result: 1, text } : undefined,
    );
    try {
      const idA = await kea.register(a);
      const idB = await kea.register(b, { url: agent.url });
      const before = await digestOf(a);
      const response = await kea.createRelationship(idA, idB);
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({
        type: 'urn:dfm:problem:server-rejected-config',
        failedServerId: idB,
        restored: [idA],
        vendorMessage: text,
      });
      expect(response.body.detail).toContain(`${a.name} was restored to the previous configuration`);
      expect(await digestOf(a)).toBe(before);
      expect(await hookFiles(a)).not.toContain('libdhcp_ha.so');
      expect(JSON.stringify(await a.readConfigFile())).not.toContain('libdhcp_ha.so');
      const listed = await t.http.get(`/api/v1/relationships?serverId=${idA}`).set(auth()).expect(200);
      expect(listed.body.total).toBe(0);
    } finally {
      await agent.close();
    }
  });

  it('when the second server cannot save its change (config-write fails), it is set back too, and the problem says so', async () => {
    const [a, b] = [await kea.start(), await kea.start()];
    const text = 'Unable to open file /etc/kea/kea-dhcp4.conf for writing';
    const agent = await agentInFront(b, async (command) =>
      command === 'config-write' ? { result: 1, text } : undefined,
    );
    try {
      const idA = await kea.register(a);
      const idB = await kea.register(b, { url: agent.url });
      const before = [await digestOf(a), await digestOf(b)];
      const response = await kea.createRelationship(idA, idB);
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ failedServerId: idB, restored: [idA], vendorMessage: text });
      expect(response.body.detail).toContain('Kea refused config-write');
      expect(response.body.detail).toContain('the configuration read before was set again');
      expect(response.body.detail).toContain(`${a.name} was restored to the previous configuration`);
      // Neither server runs HA: b's running configuration is what it was (its file was never written).
      expect([await digestOf(a), await digestOf(b)]).toEqual(before);
      expect(await hookFiles(b)).not.toContain('libdhcp_ha.so');
    } finally {
      await agent.close();
    }
  });

  it("a configuration Kea rejects comes back as 422 with Kea's text and changes nothing", async () => {
    const { a, b, idA, idB } = await pair();
    const [beforeA, beforeB] = [await digestOf(a), await digestOf(b)];
    const response = await kea.createRelationship(idA, idB, {
      settings: { ...FAST_HA, hooksDirectory: '/nonexistent/hooks' },
    });
    expect(response.status).toBe(422);
    expect(response.body.type).toBe('urn:dfm:problem:server-rejected-config');
    expect(response.body.vendorMessage).toContain('/nonexistent/hooks');
    expect([await digestOf(a), await digestOf(b)]).toEqual([beforeA, beforeB]);
  });

  it('refuses to overwrite HA configured outside this service (409), and rejects bad requests with field errors', async () => {
    const [a, b] = [await kea.start({ auth: false }), await kea.start({ auth: false })];
    await enableHa([a, b], { mode: 'hot-standby' });
    const [idA, idB] = [await kea.register(a), await kea.register(b)];
    const conflict = await kea.createRelationship(idA, idB, { settings: {} });
    expect(conflict.status).toBe(409);
    expect(conflict.body.detail).toContain('already has failover configured');

    const bad = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name: uniqueName('bad'),
        vendor: 'kea',
        mode: 'hot-standby',
        servers: [
          { serverId: idA, role: 'primary' },
          { serverId: idA, role: 'secondary' },
        ],
        settings: { heartbeatDelay: 'fast', bogus: 1 },
      })
      .expect(400);
    expect([...new Set(bad.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual([
      'servers',
      'servers[1].serverId',
      'settings.bogus',
      'settings.heartbeatDelay',
    ]);
    // Arrays where objects belong are named as such, not read as servers without an id or a role.
    const arrays = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name: uniqueName('bad'),
        vendor: 'kea',
        mode: 'hot-standby',
        servers: [[{ serverId: idA, role: 'primary' }], { serverId: idB, role: 'standby', settings: [] }],
      })
      .expect(400);
    expect(arrays.body.errors).toEqual([
      {
        field: 'servers',
        message: 'each of servers must be an object such as { "serverId": "<uuid>", "role": "primary" }',
      },
      { field: 'servers[1].settings', message: 'settings must be an object' },
    ]);
  });

  it('finds a relationship configured outside this service once both partners are registered, and adopts it', async () => {
    const [a, b, lone] = [
      await kea.start({ auth: false }),
      await kea.start({ auth: false }),
      await kea.start({ auth: false }),
    ];
    await enableHa([a, b], { mode: 'hot-standby' });
    const idA = await kea.register(a);
    const before = await t.http.get(`/api/v1/relationships?serverId=${idA}`).set(auth()).expect(200);
    expect(before.body.items).toEqual([]); // the partner is not registered yet
    const idB = await kea.register(b);
    await kea.register(lone);
    const found = await t.http.get(`/api/v1/relationships?serverId=${idA}`).set(auth()).expect(200);
    expect(found.body.items).toHaveLength(1);
    const discovered = found.body.items[0];
    expect(discovered).toMatchObject({
      vendor: 'kea',
      mode: 'hot-standby',
      discovered: true,
      servers: [
        { serverId: idA, role: 'primary', peerName: a.name },
        { serverId: idB, role: 'standby', peerName: b.name },
      ],
    });
    // Listing again finds the same record, not a new one.
    const again = await t.http.get(`/api/v1/relationships?serverId=${idA}`).set(auth()).expect(200);
    expect(again.body.items.map((r: { id: string }) => r.id)).toEqual([discovered.id]);

    const refused = await t.http
      .patch(`/api/v1/relationships/${discovered.id}`)
      .set(auth())
      .send({ settings: { heartbeatDelay: 2000 } })
      .expect(409);
    expect(refused.body.detail).toContain('adopt it first');
    const adopted = await t.http.post(`/api/v1/relationships/${discovered.id}/adopt`).set(auth()).expect(200);
    expect(adopted.body.discovered).toBe(false);
    await t.http.post(`/api/v1/relationships/${discovered.id}/adopt`).set(auth()).expect(409);
    await t.http.delete(`/api/v1/relationships/${discovered.id}`).set(auth()).expect(200);
    expect(await hookFiles(a)).not.toContain('libdhcp_ha.so');
  });

  it('a server in a relationship only found on the servers can be unregistered: the found record goes, the servers keep HA', async () => {
    const [a, b] = [await kea.start({ auth: false }), await kea.start({ auth: false })];
    await enableHa([a, b], { mode: 'hot-standby' });
    const [idA, idB] = [await kea.register(a), await kea.register(b)];
    const found = await t.http.get(`/api/v1/relationships?serverId=${idA}`).set(auth()).expect(200);
    expect(found.body.items).toMatchObject([{ discovered: true }]);
    const id = found.body.items[0].id as string;
    const before = [await digestOf(a), await digestOf(b)];
    await t.http.delete(`/api/v1/servers/${idA}`).set(auth()).expect(204);
    await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(404);
    const listed = await t.http.get(`/api/v1/relationships?serverId=${idB}`).set(auth()).expect(200);
    expect(listed.body.items).toEqual([]);
    expect([await digestOf(a), await digestOf(b)]).toEqual(before);
    const events = await t.http
      .get(`/api/v1/audit-events?targetId=${idA}&action=server.unregistered`)
      .set(auth())
      .expect(200);
    expect(events.body.items[0].details).toMatchObject({ discoveredRelationshipsDropped: [id] });
    // Its partner is in no relationship now either.
    await t.http.delete(`/api/v1/servers/${idB}`).set(auth()).expect(204);
  });

  it('a PATCH of an adopted relationship keeps its hooks directory, the HA settings the API does not manage, and values beyond its bounds it was not sent', async () => {
    // Hooks installed elsewhere than Debian's directory (an RPM system's /usr/lib64/kea/hooks, say): a link here.
    const directory = mkdtempSync(path.join(tmpdir(), 'dfm-kea-hooks-'));
    const hooksDirectory = path.join(directory, 'hooks');
    symlinkSync(KEA_HOOKS_DIR, hooksDirectory);
    try {
      const [a, b] = [await kea.start({ auth: false }), await kea.start({ auth: false })];
      await enableHa([a, b], { mode: 'hot-standby' });
      const paused = { states: [{ state: 'waiting', pause: 'never' }] };
      for (const server of [a, b]) {
        await reconfigure(server, (dhcp4) => {
          for (const hook of dhcp4['hooks-libraries'] as HaHook[]) {
            hook.library = path.join(hooksDirectory, path.basename(hook.library));
            if (hook.parameters) {
              hook.parameters['high-availability'][0]['state-machine'] = paused;
              // Beyond what this API takes (Kea takes any 32-bit value): kept, and not checked unless sent.
              hook.parameters['high-availability'][0]['sync-timeout'] = 4_000_000;
            }
          }
          return dhcp4;
        });
      }
      const idA = await kea.register(a);
      await kea.register(b);
      const found = await t.http.get(`/api/v1/relationships?serverId=${idA}`).set(auth()).expect(200);
      const id = found.body.items[0].id as string;
      await t.http.post(`/api/v1/relationships/${id}/adopt`).set(auth()).expect(200);
      await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { heartbeatDelay: 2000 } })
        .expect(200);
      for (const server of [a, b]) {
        const libraries = (await hooks(server)).map((hook) => hook.library);
        expect(libraries).toEqual([
          path.join(hooksDirectory, 'libdhcp_lease_cmds.so'),
          path.join(hooksDirectory, 'libdhcp_ha.so'),
        ]);
        const ha = (await hooks(server)).find((hook) => hook.library.endsWith('libdhcp_ha.so'))!.parameters![
          'high-availability'
        ][0];
        expect(ha).toMatchObject({
          'heartbeat-delay': 2000,
          'state-machine': paused,
          'sync-timeout': 4_000_000,
        });
      }
      const sent = await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { syncTimeout: 4_000_001 } })
        .expect(400);
      expect(sent.body.errors).toEqual([
        { field: 'settings.syncTimeout', message: 'syncTimeout must not be greater than 3600000' },
      ]);
      // Withdrawing hooksDirectory (null) is Debian's default again.
      await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { hooksDirectory: null } })
        .expect(200);
      expect((await hooks(a)).map((hook) => hook.library)).toContain(
        '/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so',
      );
      await t.http.delete(`/api/v1/relationships/${id}`).set(auth()).expect(200);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("a member's new agent URL (PATCH /servers/{id}) is written to both HA entries in the same PATCH", async () => {
    const { a, b, idA, idB } = await pair();
    const created = await kea.createRelationship(idA, idB);
    expect(created.status).toBe(201);
    const peerUrls = async (server: KeaServer): Promise<Record<string, unknown>> => {
      const ha = (await hooks(server)).find((hook) => hook.library.endsWith('libdhcp_ha.so'));
      const peers = ha?.parameters?.['high-availability'][0]['peers'] as Array<{ name: string; url: string }>;
      return Object.fromEntries(peers.map((peer) => [peer.name, peer.url]));
    };
    // The same agent of b, reached at another URL (as after moving it to another port).
    const moved = await agentInFront(b, async () => undefined);
    try {
      await t.http
        .patch(`/api/v1/servers/${idB}`)
        .set(auth())
        .send({ connection: { url: moved.url } })
        .expect(200);
      expect(await peerUrls(a)).toEqual({ [a.name]: a.caUrl, [b.name]: moved.url });
      expect(await peerUrls(b)).toEqual({ [a.name]: a.caUrl, [b.name]: moved.url });
      const events = await t.http
        .get(`/api/v1/audit-events?targetId=${created.body.id as string}&action=relationship.updated`)
        .set(auth())
        .expect(200);
      expect(events.body.items[0].details).toMatchObject({ cause: { serverUpdated: idB } });
      // Administering b alone does not cover rewriting a's HA entry: 403, nothing changed; other fields are fine.
      const { key } = await principalWith(t, [
        {
          roleId: undefined,
          permissions: ['administer-dhcp-servers'],
          resource: { type: 'server', serverId: idB },
        },
      ]);
      const denied = await t.http
        .patch(`/api/v1/servers/${idB}`)
        .set(bearer(key))
        .send({ connection: { url: b.caUrl } })
        .expect(403);
      expect(denied.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(denied.body.detail).toContain('"dhcp-administrator" (global)');
      expect(await peerUrls(a)).toEqual({ [a.name]: a.caUrl, [b.name]: moved.url });
      expect((await t.http.get(`/api/v1/servers/${idB}`).set(auth()).expect(200)).body.connection.url).toBe(
        moved.url,
      );
      await t.http
        .patch(`/api/v1/servers/${idB}`)
        .set(bearer(key))
        .send({ description: 'standby' })
        .expect(200);
      // Back to the agent itself before the front goes.
      await t.http
        .patch(`/api/v1/servers/${idB}`)
        .set(auth())
        .send({ connection: { url: b.caUrl } })
        .expect(200);
      expect(await peerUrls(a)).toEqual({ [a.name]: a.caUrl, [b.name]: b.caUrl });
    } finally {
      await moved.close();
    }
    await t.http
      .delete(`/api/v1/relationships/${created.body.id as string}`)
      .set(auth())
      .expect(200);
  });

  it('a member PATCH the partner refuses to take into its HA entry changes nothing: the server and the registration stay', async () => {
    const { a, b, idA, idB } = await pair();
    const created = await kea.createRelationship(idA, idB);
    expect(created.status).toBe(201);
    const text = 'simulated: the standby refuses this configuration';
    const refusing = await agentInFront(b, async (command) =>
      command === 'config-test' ? { result: 1, text } : undefined,
    );
    try {
      const [beforeA, beforeB] = [await digestOf(a), await digestOf(b)];
      const refused = await t.http
        .patch(`/api/v1/servers/${idB}`)
        .set(auth())
        .send({ connection: { url: refusing.url } })
        .expect(422);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ failedServerId: idB, restored: [idA], vendorMessage: text });
      expect(refused.body.detail).toContain(`${a.name} was restored to the previous configuration`);
      expect([await digestOf(a), await digestOf(b)]).toEqual([beforeA, beforeB]);
      const server = await t.http.get(`/api/v1/servers/${idB}`).set(auth()).expect(200);
      expect(server.body.connection.url).toBe(b.caUrl);
    } finally {
      await refusing.close();
    }
    await t.http
      .delete(`/api/v1/relationships/${created.body.id as string}`)
      .set(auth())
      .expect(200);
  });

  it("a member PATCH while its partner's agent is down is a 502 that changes neither the server nor the registration", async () => {
    const { a, b, idA, idB } = await pair();
    const created = await kea.createRelationship(idA, idB);
    expect(created.status).toBe(201);
    const moved = await agentInFront(b, async () => undefined);
    try {
      const beforeB = await digestOf(b);
      await a.stop();
      const refused = await t.http
        .patch(`/api/v1/servers/${idB}`)
        .set(auth())
        .send({ connection: { url: moved.url } })
        .expect(502);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ type: 'urn:dfm:problem:server-unreachable', failedServerId: idA });
      expect(refused.body.detail).toContain('Nothing was changed');
      expect(await digestOf(b)).toBe(beforeB);
      const server = await t.http.get(`/api/v1/servers/${idB}`).set(auth()).expect(200);
      expect(server.body.connection.url).toBe(b.caUrl);
    } finally {
      await moved.close();
    }
  });

  it('an agent that is down is reported unreachable in the state, and the relationship is impaired', async () => {
    const { a, b, idA, idB } = await pair();
    const created = await kea.createRelationship(idA, idB);
    expect(created.status).toBe(201);
    await b.stop();
    const state = await waitForStatus(created.body.id, 'impaired');
    expect(state['servers']).toMatchObject([
      { serverId: idA, reachable: true },
      { serverId: idB, reachable: false },
    ]);
    expect((state['servers'] as Array<{ error?: string }>)[1].error).toContain(b.caUrl);
    await a.stop();
    await waitForStatus(created.body.id, 'down');
  });
});
