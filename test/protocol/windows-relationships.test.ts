/**
 * Windows failover relationships through the API over sshd and the DhcpServer emulator: created empty (nothing on
 * the servers), made on both servers by the first scope (Add-DhcpServerv4Failover), joined by the next
 * (Add-DhcpServerv4FailoverScope), changed with Set-DhcpServerv4Failover (and refused where Windows cannot change
 * it), live state from both sides, scopes taken out with the partner's copy deleted or kept disabled, removed with
 * the scopes kept on a named server; one configured outside the service discovered and adopted; replication to the
 * partner through Invoke-DhcpServerv4FailoverReplication.
 */
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SecretBox } from '../../src/common/crypto/secret-box.js';
import { principalWith, uniqueName } from '../support/fixtures.js';
import { replicate } from '../support/jobs.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';
import { startWindowsEstate, type WindowsEstate } from '../support/windows/windows-estate.js';
import { registerWindows } from '../support/windows/windows-registry.js';

const SECRET = "s3cr'et; Remove-DhcpServerv4Failover -Name 'x' -Force; ‘’";

describe('Windows relationships over sshd and the DhcpServer emulator', () => {
  let t: TestApp;
  let estate: WindowsEstate;
  let ids: Record<string, string>;
  const auth = (): { Authorization: string } => bearer(t.adminKey);
  const scope = (server: string, scopeId: string): Promise<void> =>
    estate.seedScope(server, {
      scopeId,
      startRange: scopeId.replace(/0$/, '10'),
      endRange: scopeId.replace(/0$/, '200'),
      name: `scope ${scopeId}`,
    });

  beforeAll(async () => {
    estate = await startWindowsEstate({
      servers: [
        { name: 'DHCP1' },
        { name: 'DHCP2' },
        { name: 'DHCP3' },
        { name: 'DHCP4' },
        { name: 'DHCP5' },
        { name: 'DHCP6' },
      ],
    });
    t = await startTestApp({ worker: true });
    ids = await registerWindows(t, estate, ['DHCP1', 'DHCP2', 'DHCP3', 'DHCP4', 'DHCP5', 'DHCP6']);
    for (const scopeId of ['10.5.1.0', '10.5.2.0', '10.5.3.0', '10.5.4.0']) await scope('DHCP1', scopeId);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await estate?.stop();
  });

  describe('a relationship made here', () => {
    let id: string;
    const name = uniqueName('sfo-sin');

    test('is created empty: recorded, nothing on the servers, the secret sealed and never returned', async () => {
      const created = await t.http
        .post('/api/v1/relationships')
        .set(auth())
        .send({
          name,
          vendor: 'windows',
          mode: 'load-balancing',
          servers: [
            { serverId: ids['DHCP1'], role: 'primary' },
            { serverId: ids['DHCP2'], role: 'secondary' },
          ],
          settings: {
            loadBalancePercent: 70,
            maxClientLeadTime: 1800,
            stateSwitchInterval: 600,
            sharedSecret: SECRET,
          },
        })
        .expect(201);
      id = created.body.id as string;
      expect(created.body).toMatchObject({
        status: 'empty',
        settings: {
          loadBalancePercent: 70,
          maxClientLeadTime: 1800,
          stateSwitchInterval: 600,
          messageAuthentication: true,
        },
        servers: [{ peerName: name }, { peerName: name }],
      });
      expect(JSON.stringify(created.body)).not.toContain('s3cr');
      const read = await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(200);
      expect(JSON.stringify(read.body)).not.toContain('s3cr');
      const rows = await t.app
        .get(DataSource)
        .query('SELECT settings::text AS s, sealed_secrets FROM relationships WHERE id = $1', [id]);
      expect(rows[0].s).not.toContain('s3cr');
      expect(rows[0].sealed_secrets).not.toContain('s3cr');
      expect((await estate.serverState('DHCP1')).relationships).toEqual([]);
      const state = await t.http.get(`/api/v1/relationships/${id}/state`).set(auth()).expect(200);
      expect(state.body.status).toBe('empty');
    });

    test('a setting Windows does not take is refused with what to fix', async () => {
      const response = await t.http
        .post('/api/v1/relationships')
        .set(auth())
        .send({
          name: "x'; Remove-DhcpServerv4Failover -Name 'y' -Force",
          vendor: 'windows',
          mode: 'passive-backup',
          servers: [
            { serverId: ids['DHCP1'], role: 'primary' },
            { serverId: ids['DHCP2'], role: 'backup' },
          ],
          settings: { loadBalancePercent: 101, messageAuthentication: true },
        })
        .expect(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      const fields = (response.body.errors as Array<{ field: string }>).map((error) => error.field);
      expect(fields).toEqual(expect.arrayContaining(['name']));
      expect(
        (await t.http.get('/api/v1/relationships?discover=false').set(auth()).expect(200)).body.total,
      ).toBe(1);
      const fixed = await t.http
        .post('/api/v1/relationships')
        .set(auth())
        .send({
          name: uniqueName('bad'),
          vendor: 'windows',
          mode: 'passive-backup',
          servers: [
            { serverId: ids['DHCP1'], role: 'primary' },
            { serverId: ids['DHCP2'], role: 'backup' },
          ],
          settings: { loadBalancePercent: 101, messageAuthentication: true },
        })
        .expect(400);
      const settingsFields = (fixed.body.errors as Array<{ field: string }>).map((error) => error.field);
      expect(settingsFields).toEqual(
        expect.arrayContaining(['mode', 'settings.loadBalancePercent', 'settings.messageAuthentication']),
      );
    });

    test("a setting of the other mode's parameter set is refused (it would be recorded and never sent)", async () => {
      const before = (await t.http.get('/api/v1/relationships?discover=false').set(auth()).expect(200)).body
        .total;
      for (const [mode, role, settings, field] of [
        ['load-balancing', 'secondary', { reservePercent: 10 }, 'settings.reservePercent'],
        ['hot-standby', 'standby', { loadBalancePercent: 70 }, 'settings.loadBalancePercent'],
      ] as const) {
        const response = await t.http
          .post('/api/v1/relationships')
          .set(auth())
          .send({
            name: uniqueName('other-mode'),
            vendor: 'windows',
            mode,
            servers: [
              { serverId: ids['DHCP1'], role: 'primary' },
              { serverId: ids['DHCP2'], role },
            ],
            settings,
          })
          .expect(400);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.body.errors).toEqual([{ field, message: expect.stringContaining('applies to') }]);
      }
      const patched = await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { reservePercent: 10 } })
        .expect(400);
      expect(patched.body.errors).toEqual([
        {
          field: 'settings.reservePercent',
          message:
            'reservePercent applies to hot-standby only; Windows has no such setting in load-balancing',
        },
      ]);
      const read = await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(200);
      expect(read.body.settings).not.toHaveProperty('reservePercent');
      expect(
        (await t.http.get('/api/v1/relationships?discover=false').set(auth()).expect(200)).body.total,
      ).toBe(before);
    });

    test('the first scope creates it on both servers (Add-DhcpServerv4Failover), the partner getting a copy', async () => {
      const added = await t.http
        .post(`/api/v1/relationships/${id}/scopes`)
        .set(auth())
        .send({ network: '10.5.1.0', sourceServerId: ids['DHCP1'] })
        .expect(201);
      expect(added.body).toMatchObject({ network: '10.5.1.0', serverId: ids['DHCP2'], action: 'created' });
      const [dhcp1, dhcp2] = await Promise.all([estate.serverState('DHCP1'), estate.serverState('DHCP2')]);
      expect(dhcp1.relationships).toEqual([
        expect.objectContaining({
          name,
          mode: 'LoadBalance',
          loadBalancePercent: 70,
          maxClientLeadTimeSeconds: 1800,
          autoStateTransition: true,
          stateSwitchIntervalSeconds: 600,
          enableAuth: true,
          sharedSecret: SECRET,
          scopeIds: ['10.5.1.0'],
        }),
      ]);
      expect(dhcp2.relationships).toEqual([
        expect.objectContaining({ name, loadBalancePercent: 30, scopeIds: ['10.5.1.0'] }),
      ]);
      expect(dhcp2.scopes['10.5.1.0']).toEqual(dhcp1.scopes['10.5.1.0']);
      const relationship = await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(200);
      expect(relationship.body.status).not.toBe('empty');
    });

    test('later scopes join it (Add-DhcpServerv4FailoverScope); a scope in it already is a conflict', async () => {
      for (const network of ['10.5.2.0', '10.5.3.0']) {
        await t.http
          .post(`/api/v1/relationships/${id}/scopes`)
          .set(auth())
          .send({ network, sourceServerId: ids['DHCP1'] })
          .expect(201);
      }
      expect((await estate.serverState('DHCP2')).relationships[0].scopeIds).toEqual([
        '10.5.1.0',
        '10.5.2.0',
        '10.5.3.0',
      ]);
      const again = await t.http
        .post(`/api/v1/relationships/${id}/scopes`)
        .set(auth())
        .send({ network: '10.5.2.0', sourceServerId: ids['DHCP1'] })
        .expect(409);
      expect(again.body.detail).toMatch(/already part of a failover relationship/);
      const listed = await t.http.get(`/api/v1/relationships/${id}/scopes`).set(auth()).expect(200);
      expect(listed.body.items.map((item: { network: string }) => item.network)).toEqual([
        '10.5.1.0',
        '10.5.2.0',
        '10.5.3.0',
      ]);
    });

    test('the connection test lists the relationship', async () => {
      const response = await t.http
        .post(`/api/v1/servers/${ids['DHCP2']}/connection-test`)
        .set(auth())
        .expect(200);
      expect(response.body.facts.failoverRelationships).toEqual([
        expect.objectContaining({ name, mode: 'LoadBalance', state: 'Normal', scopes: 3 }),
      ]);
    });

    test('PATCH changes what Set-DhcpServerv4Failover can and refuses roles and mode with a 400', async () => {
      const current = await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(200);
      const changed = await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .set('If-Match', current.headers['etag'])
        .send({ settings: { loadBalancePercent: 60, stateSwitchInterval: 0, sharedSecret: null } })
        .expect(200);
      expect(changed.body.settings).toMatchObject({
        loadBalancePercent: 60,
        stateSwitchInterval: 0,
        messageAuthentication: false,
      });
      const [dhcp1, dhcp2] = await Promise.all([estate.serverState('DHCP1'), estate.serverState('DHCP2')]);
      expect(dhcp1.relationships[0]).toMatchObject({
        loadBalancePercent: 60,
        autoStateTransition: false,
        enableAuth: false,
      });
      expect(dhcp2.relationships[0]).toMatchObject({
        loadBalancePercent: 40,
        autoStateTransition: false,
        enableAuth: false,
      });
      const roles = await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({
          servers: [
            { serverId: ids['DHCP1'], role: 'secondary' },
            { serverId: ids['DHCP2'], role: 'primary' },
          ],
        })
        .expect(400);
      expect(roles.body.errors[0].message).toMatch(/cannot change the role/);
      const mode = await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({
          mode: 'hot-standby',
          servers: [
            { serverId: ids['DHCP1'], role: 'primary' },
            { serverId: ids['DHCP2'], role: 'standby' },
          ],
        })
        .expect(400);
      expect(mode.body.errors.map((error: { field: string }) => error.field)).toContain('mode');
    });

    test('state is read from both sides; a partner down shows', async () => {
      const normal = await t.http.get(`/api/v1/relationships/${id}/state`).set(auth()).expect(200);
      expect(normal.body).toMatchObject({
        status: 'normal',
        servers: [{ state: 'normal' }, { state: 'normal' }],
      });
      await estate.setFaults('DHCP2', { down: true });
      try {
        const impaired = await t.http.get(`/api/v1/relationships/${id}/state`).set(auth()).expect(200);
        expect(impaired.body.status).toBe('impaired');
        expect(impaired.body.servers[0]).toMatchObject({
          reachable: true,
          state: 'communication-interrupted',
        });
      } finally {
        await estate.setFaults('DHCP2', {});
      }
    });

    test("its scopes with a partner down: that side's unknown with the reason, the other's listed (200); both down: 502", async () => {
      const both = await t.http.get(`/api/v1/relationships/${id}/scopes`).set(auth()).expect(200);
      expect(both.body.items).toContainEqual(
        expect.objectContaining({
          network: '10.5.1.0',
          presentOn: [ids['DHCP1'], ids['DHCP2']],
          inStep: true,
        }),
      );
      await estate.setFaults('DHCP2', { down: true });
      try {
        const partial = await t.http.get(`/api/v1/relationships/${id}/scopes`).set(auth()).expect(200);
        expect(partial.body.servers).toMatchObject([
          { serverId: ids['DHCP1'], scopesKnown: true },
          { serverId: ids['DHCP2'], scopesKnown: false, error: expect.any(String) },
        ]);
        expect(partial.body.items).toContainEqual(
          expect.objectContaining({ network: '10.5.1.0', presentOn: [ids['DHCP1']], inStep: null }),
        );
        await estate.setFaults('DHCP1', { down: true });
        const neither = await t.http.get(`/api/v1/relationships/${id}/scopes`).set(auth()).expect(502);
        expect(neither.headers['content-type']).toContain('application/problem+json');
      } finally {
        await estate.setFaults('DHCP1', {});
        await estate.setFaults('DHCP2', {});
      }
    });

    test('replicating a scope to its partner uses Invoke-DhcpServerv4FailoverReplication on the source', async () => {
      await estate.update((state) => {
        state.servers['dhcp1'].scopes['10.5.1.0'].description = 'edited on DHCP1';
      });
      const before = await estate.sessions('DHCP1');
      const job = await replicate(t, {
        kind: 'scope',
        sourceServerId: ids['DHCP1'],
        relationshipId: id,
        network: '10.5.1.0',
      });
      expect(Object.values(job.outcome.scopes ?? {})[0]).toMatchObject({ state: 'replaced' });
      expect((await estate.serverState('DHCP2')).scopes['10.5.1.0'].description).toBe('edited on DHCP1');
      // The source ran a session for the replication itself besides its read.
      expect((await estate.sessions('DHCP1')).length - before.length).toBe(2);
    });

    test('a scope leaves with the partner copy kept disabled, or deleted', async () => {
      const disabled = await t.http
        .delete(`/api/v1/relationships/${id}/scopes/10.5.2.0?serverId=${ids['DHCP2']}&copy=disable`)
        .set(auth())
        .expect(200);
      expect(disabled.body).toMatchObject({ action: 'disabled', serverId: ids['DHCP2'] });
      let dhcp2 = await estate.serverState('DHCP2');
      expect(dhcp2.scopes['10.5.2.0']).toMatchObject({ state: 'InActive', name: 'scope 10.5.2.0' });
      expect(dhcp2.relationships[0].scopeIds).toEqual(['10.5.1.0', '10.5.3.0']);
      expect((await estate.serverState('DHCP1')).scopes['10.5.2.0'].state).toBe('Active');
      await t.http
        .delete(`/api/v1/relationships/${id}/scopes/10.5.3.0?serverId=${ids['DHCP2']}&copy=delete`)
        .set(auth())
        .expect(200);
      dhcp2 = await estate.serverState('DHCP2');
      expect(dhcp2.scopes['10.5.3.0']).toBeUndefined();
      expect(dhcp2.relationships[0].scopeIds).toEqual(['10.5.1.0']);
    });

    test('removing it needs the surviving server; the other copies are disabled as asked', async () => {
      const missing = await t.http.delete(`/api/v1/relationships/${id}`).set(auth()).expect(400);
      expect(missing.body.errors[0].message).toMatch(/keepScopesOn/);
      const removed = await t.http
        .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['DHCP1']}&otherCopies=disable`)
        .set(auth())
        .expect(200);
      expect(removed.body.servers).toEqual([
        expect.objectContaining({ serverId: ids['DHCP1'], scopes: 'kept' }),
        expect.objectContaining({ serverId: ids['DHCP2'], scopes: 'disabled' }),
      ]);
      const [dhcp1, dhcp2] = await Promise.all([estate.serverState('DHCP1'), estate.serverState('DHCP2')]);
      expect(dhcp1.relationships).toEqual([]);
      expect(dhcp2.relationships).toEqual([]);
      expect(dhcp1.scopes['10.5.1.0'].state).toBe('Active');
      expect(dhcp2.scopes['10.5.1.0'].state).toBe('InActive');
      await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(404);
    });
  });

  test('the last scope out leaves it empty (gone from both servers); the next first scope creates it again', async () => {
    const name = uniqueName('hs');
    const created = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name,
        vendor: 'windows',
        mode: 'hot-standby',
        servers: [
          { serverId: ids['DHCP1'], role: 'primary' },
          { serverId: ids['DHCP2'], role: 'standby' },
        ],
        settings: { reservePercent: 15 },
      })
      .expect(201);
    const id = created.body.id as string;
    const add = () =>
      t.http
        .post(`/api/v1/relationships/${id}/scopes`)
        .set(auth())
        .send({ network: '10.5.4.0', sourceServerId: ids['DHCP1'] })
        .expect(201);
    await add();
    expect((await estate.serverState('DHCP2')).relationships).toEqual([
      expect.objectContaining({ name, mode: 'HotStandby', serverRole: 'Standby', reservePercent: 15 }),
    ]);
    const out = await t.http
      .delete(`/api/v1/relationships/${id}/scopes/10.5.4.0?serverId=${ids['DHCP2']}&copy=delete`)
      .set(auth())
      .expect(200);
    expect(out.body.detail).toMatch(/empty again/);
    expect((await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(200)).body.status).toBe(
      'empty',
    );
    const names = async (server: string) =>
      (await estate.serverState(server)).relationships.map((r) => r.name);
    expect(await names('DHCP1')).not.toContain(name);
    expect(await names('DHCP2')).not.toContain(name);
    await add();
    expect(await names('DHCP2')).toContain(name);
    expect((await estate.serverState('DHCP2')).scopes['10.5.4.0']).toBeDefined();
  });

  describe('a relationship configured outside the service', () => {
    test('is discovered once both partners are registered, adopted, and then managed', async () => {
      await scope('DHCP3', '10.6.1.0');
      // Windows takes any text as a relationship's name: one made by hand reaches every script as a literal.
      const handMade = "made by hand; it's $(Remove-DhcpServerv4Scope -ScopeId '10.6.1.0' -Force)";
      await estate.seedRelationship({
        name: handMade,
        primary: 'DHCP3',
        secondary: 'DHCP4',
        scopeIds: ['10.6.1.0'],
        mode: 'HotStandby',
        serverRole: 'Active',
        reservePercent: 10,
      });
      // Made by hand just now: discover=true asks the servers now rather than reusing a recent look.
      const list = await t.http
        .get('/api/v1/relationships?vendor=windows&discover=true')
        .set(auth())
        .expect(200);
      const found = (list.body.items as Array<Record<string, unknown>>).find(
        (item) => item['name'] === handMade,
      );
      expect(found).toMatchObject({
        discovered: true,
        mode: 'hot-standby',
        settings: {
          reservePercent: 10,
          maxClientLeadTime: 3600,
          stateSwitchInterval: 0,
          messageAuthentication: false,
        },
      });
      const servers = found!['servers'] as Array<{ serverId: string; role: string }>;
      expect(servers).toEqual([
        expect.objectContaining({ serverId: ids['DHCP3'], role: 'primary' }),
        expect.objectContaining({ serverId: ids['DHCP4'], role: 'standby' }),
      ]);
      const id = found!['id'] as string;
      await t.http.post(`/api/v1/relationships/${id}/adopt`).set(auth()).expect(200);
      const state = await t.http.get(`/api/v1/relationships/${id}/state`).set(auth()).expect(200);
      expect(state.body).toMatchObject({
        status: 'normal',
        servers: [{ scopesServed: ['10.6.1.0'] }, { scopesServed: ['10.6.1.0'] }],
      });
      await scope('DHCP3', '10.6.2.0');
      await t.http
        .post(`/api/v1/relationships/${id}/scopes`)
        .set(auth())
        .send({ network: '10.6.2.0', sourceServerId: ids['DHCP3'] })
        .expect(201);
      expect((await estate.serverState('DHCP4')).relationships[0].scopeIds).toEqual(['10.6.1.0', '10.6.2.0']);
      expect((await estate.serverState('DHCP3')).scopes['10.6.1.0']).toBeDefined();
      await t.http
        .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['DHCP3']}&otherCopies=delete`)
        .set(auth())
        .expect(200);
      const dhcp4 = await estate.serverState('DHCP4');
      expect(Object.keys(dhcp4.scopes)).toEqual([]);
      expect(dhcp4.relationships).toEqual([]);
    });

    test('one named with more than 100 characters (Windows allows 126) is listed, not a 500', async () => {
      await scope('DHCP3', '10.6.3.0');
      const long = 'N'.repeat(110);
      await estate.seedRelationship({
        name: long,
        primary: 'DHCP3',
        secondary: 'DHCP4',
        scopeIds: ['10.6.3.0'],
        mode: 'LoadBalance',
      });
      try {
        const list = await t.http
          .get('/api/v1/relationships?vendor=windows&discover=true')
          .set(auth())
          .expect(200);
        const found = (list.body.items as Array<Record<string, unknown>>).filter((item) =>
          String(item['name']).startsWith('N'.repeat(90)),
        );
        expect(found).toEqual([expect.objectContaining({ discovered: true, mode: 'load-balancing' })]);
      } finally {
        for (const server of ['DHCP3', 'DHCP4']) {
          await estate.run(server, `Remove-DhcpServerv4Failover -Name '${long}' -Force`);
        }
        await t.http.get('/api/v1/relationships?discover=true').set(auth()).expect(200);
      }
    });
  });

  test('DELETE with the partner down is a 502 that changes nothing; once it is back the copies are deleted', async () => {
    await scope('DHCP1', '10.7.1.0');
    const created = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name: uniqueName('partner-down'),
        vendor: 'windows',
        mode: 'hot-standby',
        servers: [
          { serverId: ids['DHCP1'], role: 'primary' },
          { serverId: ids['DHCP2'], role: 'standby' },
        ],
      })
      .expect(201);
    const id = created.body.id as string;
    await t.http
      .post(`/api/v1/relationships/${id}/scopes`)
      .set(auth())
      .send({ network: '10.7.1.0', sourceServerId: ids['DHCP1'] })
      .expect(201);
    const before = JSON.stringify(await estate.readState());
    await estate.setFaults('DHCP2', { down: true });
    const refused = await t.http
      .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['DHCP1']}&otherCopies=delete`)
      .set(auth())
      .expect(502);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.type).toBe('urn:dfm:problem:server-unreachable');
    expect(refused.body.detail).toContain('read failover relationship');
    await estate.setFaults('DHCP2', {});
    expect(JSON.stringify(await estate.readState())).toBe(before);
    await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(200);

    await t.http
      .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['DHCP1']}&otherCopies=delete`)
      .set(auth())
      .expect(200);
    const [dhcp1, dhcp2] = await Promise.all([estate.serverState('DHCP1'), estate.serverState('DHCP2')]);
    expect(dhcp1.scopes['10.7.1.0']).toBeDefined();
    expect(dhcp2.scopes['10.7.1.0']).toBeUndefined();
    expect(dhcp2.relationships.map((r) => r.name)).not.toContain(created.body.name);
  });

  describe('from a probe', () => {
    const create = async (
      a: string,
      b: string,
      mode: 'hot-standby' | 'load-balancing',
      settings: Record<string, unknown> = {},
      name = uniqueName('probe'),
    ): Promise<string> => {
      const created = await t.http
        .post('/api/v1/relationships')
        .set(auth())
        .send({
          name,
          vendor: 'windows',
          mode,
          servers: [
            { serverId: ids[a], role: 'primary' },
            { serverId: ids[b], role: mode === 'hot-standby' ? 'standby' : 'secondary' },
          ],
          settings,
        })
        .expect(201);
      return created.body.id as string;
    };
    const addScope = (id: string, network: string, from: string) =>
      t.http
        .post(`/api/v1/relationships/${id}/scopes`)
        .set(auth())
        .send({ network, sourceServerId: ids[from] });
    const names = async (server: string) =>
      (await estate.serverState(server)).relationships.map((r) => r.name);

    test('taking a scope out needs add-scope on both servers: the cmdlet runs on the partner, and the last scope takes the relationship off both', async () => {
      await scope('DHCP5', '10.8.1.0');
      const name = uniqueName('probe-perm');
      const id = await create('DHCP5', 'DHCP6', 'load-balancing', {}, name);
      await addScope(id, '10.8.1.0', 'DHCP5').expect(201);
      const onDhcp6 = await principalWith(t, [
        { permissions: ['add-scope'], resource: { type: 'server', serverId: ids['DHCP6'] } },
      ]);
      const refused = await t.http
        .delete(`/api/v1/relationships/${id}/scopes/10.8.1.0?serverId=${ids['DHCP6']}&copy=delete`)
        .set(bearer(onDhcp6.key))
        .expect(403);
      expect(refused.body.missingPermission).toBe('add-scope');
      expect(await names('DHCP5')).toContain(name);
      expect(await names('DHCP6')).toContain(name);
      expect((await estate.serverState('DHCP6')).scopes['10.8.1.0']).toBeDefined();
      // Holding add-scope nowhere: refused before the query is checked or the relationship looked up.
      const none = await principalWith(t, []);
      for (const url of [
        `/api/v1/relationships/${id}/scopes/10.8.1.0?serverId=not-a-server`,
        `/api/v1/relationships/00000000-0000-4000-8000-000000000000/scopes/10.8.1.0?serverId=${ids['DHCP6']}`,
      ]) {
        await t.http.delete(url).set(bearer(none.key)).expect(403);
      }
      await t.http
        .post('/api/v1/relationships/00000000-0000-4000-8000-000000000000/scopes')
        .set(bearer(none.key))
        .send({ network: '10.8.1.0', sourceServerId: ids['DHCP5'] })
        .expect(403);
      // Held on some server: an unknown relationship is still a 404.
      await t.http
        .delete(
          `/api/v1/relationships/00000000-0000-4000-8000-000000000000/scopes/10.8.1.0?serverId=${ids['DHCP6']}`,
        )
        .set(bearer(onDhcp6.key))
        .expect(404);
      await t.http
        .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['DHCP5']}&otherCopies=delete`)
        .set(auth())
        .expect(200);
    });

    test("a change of mode while empty drops the other mode's percentage; the first scope creates it in the new mode", async () => {
      await scope('DHCP5', '10.8.2.0');
      const id = await create('DHCP5', 'DHCP6', 'load-balancing', { loadBalancePercent: 70 });
      const patched = await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({
          mode: 'hot-standby',
          servers: [
            { serverId: ids['DHCP5'], role: 'primary' },
            { serverId: ids['DHCP6'], role: 'standby' },
          ],
        })
        .expect(200);
      expect(patched.body.mode).toBe('hot-standby');
      expect(patched.body.settings).not.toHaveProperty('loadBalancePercent');
      const read = await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(200);
      expect(read.body.settings).not.toHaveProperty('loadBalancePercent');
      // Sent again with the new mode, it is refused as at creation.
      await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { loadBalancePercent: 60 } })
        .expect(400);
      await addScope(id, '10.8.2.0', 'DHCP5').expect(201);
      expect((await estate.serverState('DHCP6')).relationships).toEqual([
        expect.objectContaining({ mode: 'HotStandby', serverRole: 'Standby' }),
      ]);
      await t.http
        .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['DHCP5']}&otherCopies=delete`)
        .set(auth())
        .expect(200);
    });

    test('two first scopes added at once both join: the second finds the relationship made by the first', async () => {
      await scope('DHCP5', '10.8.3.0');
      await scope('DHCP5', '10.8.4.0');
      const name = uniqueName('probe-race');
      const id = await create('DHCP5', 'DHCP6', 'hot-standby', {}, name);
      const answers = await Promise.all(
        ['10.8.3.0', '10.8.4.0'].map((network) => addScope(id, network, 'DHCP5')),
      );
      expect(answers.map((answer) => answer.status)).toEqual([201, 201]);
      expect(answers.filter((answer) => /first scope/.test(answer.body.detail as string))).toHaveLength(1);
      const dhcp6 = await estate.serverState('DHCP6');
      expect([...(dhcp6.relationships.find((r) => r.name === name)?.scopeIds ?? [])].sort()).toEqual([
        '10.8.3.0',
        '10.8.4.0',
      ]);
      await t.http
        .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['DHCP5']}&otherCopies=delete`)
        .set(auth())
        .expect(200);
    });

    test('one found on the servers under a name taken here is managed by the name the servers know', async () => {
      const dup = uniqueName('probe-dup');
      // A relationship of this service holds the name: the one found on DHCP3/DHCP4 is recorded as another.
      const taken = await create('DHCP1', 'DHCP2', 'hot-standby', {}, dup);
      await scope('DHCP3', '10.8.5.0');
      await scope('DHCP3', '10.8.6.0');
      await estate.seedRelationship({
        name: dup,
        primary: 'DHCP3',
        secondary: 'DHCP4',
        scopeIds: ['10.8.5.0'],
        mode: 'HotStandby',
        serverRole: 'Active',
      });
      const list = await t.http
        .get('/api/v1/relationships?vendor=windows&discover=true')
        .set(auth())
        .expect(200);
      const found = (
        list.body.items as Array<{
          id: string;
          name: string;
          discovered: boolean;
          servers: Array<{ serverId: string; peerName: string }>;
        }>
      ).find((item) => item.discovered && item.servers[0].serverId === ids['DHCP3']);
      expect(found).toBeDefined();
      expect(found!.name).not.toBe(dup);
      expect(found!.servers[0].peerName).toBe(dup);
      await t.http.post(`/api/v1/relationships/${found!.id}/adopt`).set(auth()).expect(200);
      const scopes = await t.http.get(`/api/v1/relationships/${found!.id}/scopes`).set(auth()).expect(200);
      expect(scopes.body.items).toEqual([
        expect.objectContaining({
          network: '10.8.5.0',
          presentOn: [ids['DHCP3'], ids['DHCP4']],
          inStep: true,
        }),
      ]);
      await addScope(found!.id, '10.8.6.0', 'DHCP3').expect(201);
      expect((await estate.serverState('DHCP4')).relationships.find((r) => r.name === dup)?.scopeIds).toEqual(
        ['10.8.5.0', '10.8.6.0'],
      );
      await t.http
        .patch(`/api/v1/relationships/${found!.id}`)
        .set(auth())
        .send({ settings: { maxClientLeadTime: 1800 } })
        .expect(200);
      expect((await estate.serverState('DHCP3')).relationships.find((r) => r.name === dup)).toMatchObject({
        maxClientLeadTimeSeconds: 1800,
      });
      await t.http
        .delete(`/api/v1/relationships/${found!.id}?keepScopesOn=${ids['DHCP3']}&otherCopies=delete`)
        .set(auth())
        .expect(200);
      expect(await names('DHCP3')).not.toContain(dup);
      expect(await names('DHCP4')).not.toContain(dup);
      await t.http.delete(`/api/v1/relationships/${taken}`).set(auth()).expect(200);
    });
  });

  describe('from a probe: the Windows driver', () => {
    const create = async (
      mode: 'hot-standby' | 'load-balancing',
      settings: Record<string, unknown> = {},
    ): Promise<{ id: string; name: string }> => {
      const created = await t.http
        .post('/api/v1/relationships')
        .set(auth())
        .send({
          name: uniqueName('probe'),
          vendor: 'windows',
          mode,
          servers: [
            { serverId: ids['DHCP1'], role: 'primary' },
            { serverId: ids['DHCP2'], role: mode === 'hot-standby' ? 'standby' : 'secondary' },
          ],
          settings,
        })
        .expect(201);
      return { id: created.body.id as string, name: created.body.name as string };
    };
    const addScope = (id: string, network: string) =>
      t.http
        .post(`/api/v1/relationships/${id}/scopes`)
        .set(auth())
        .send({ network, sourceServerId: ids['DHCP1'] })
        .expect(201);
    const relationshipOn = async (server: string, name: string) =>
      (await estate.serverState(server)).relationships.find((r) => r.name === name);

    test('a shared secret PowerShell cannot receive (CR, NUL, blank line) is a 400 that never repeats it', async () => {
      for (const secret of ['TOPSECRET-\r\n-value', 'TOPSECRET\0', 'TOPSECRET\n\nvalue']) {
        const refused = await t.http
          .post('/api/v1/relationships')
          .set(auth())
          .send({
            name: uniqueName('bad-secret'),
            vendor: 'windows',
            mode: 'hot-standby',
            servers: [
              { serverId: ids['DHCP1'], role: 'primary' },
              { serverId: ids['DHCP2'], role: 'standby' },
            ],
            settings: { sharedSecret: secret },
          })
          .expect(400);
        expect(refused.body.errors).toEqual([
          expect.objectContaining({
            field: 'settings.sharedSecret',
            // A NUL is refused in any text by the service's own rule, before this one.
            message: secret.includes('\0')
              ? expect.stringMatching(/NUL/)
              : expect.stringMatching(/PowerShell cannot receive intact/),
          }),
        ]);
        expect(JSON.stringify(refused.body)).not.toContain('TOPSECRET');
      }
      const { id } = await create('hot-standby');
      const patched = await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { sharedSecret: 'TOPSECRET\r' } })
        .expect(400);
      expect(patched.body.errors).toEqual([expect.objectContaining({ field: 'settings.sharedSecret' })]);
      expect(JSON.stringify(patched.body)).not.toContain('TOPSECRET');
    });

    test('PATCH sharedSecret:null refused by the second server: the first gets its secret back, and the problem names each thing once', async () => {
      await scope('DHCP1', '10.9.1.0');
      const { id, name } = await create('load-balancing', { sharedSecret: 's3cret' });
      await addScope(id, '10.9.1.0');
      await estate.setFaults('DHCP2', { failCommand: { n: 1, code: 5, cmdlet: 'Set-DhcpServerv4Failover' } });
      const refused = await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { sharedSecret: null } })
        .expect(502);
      await estate.setFaults('DHCP2', {});
      expect(refused.body.detail).toMatch(/win-dhcp1-\S+ was restored to the previous configuration\.$/);
      expect(refused.body.restored).toEqual([ids['DHCP1']]);
      // Each thing once: the server, the action, Microsoft's message.
      expect(refused.body.detail).toMatch(/^win-dhcp2-\S+: change failover relationship/);
      expect(refused.body.detail).not.toMatch(/(win-dhcp2-\S+): \1:/);
      expect(refused.body.vendorMessage).toBeTruthy();
      expect(refused.body.detail.split(refused.body.vendorMessage)).toHaveLength(2);
      expect(JSON.stringify(refused.body)).not.toContain('s3cret');
      expect(await relationshipOn('DHCP1', name)).toMatchObject({ enableAuth: true, sharedSecret: 's3cret' });
      expect(await relationshipOn('DHCP2', name)).toMatchObject({ enableAuth: true, sharedSecret: 's3cret' });
    });

    test('PATCH of a new sharedSecret refused by the second server puts the old one back on the first', async () => {
      await scope('DHCP1', '10.9.8.0');
      const { id, name } = await create('load-balancing', { sharedSecret: 'old-s3cret' });
      await addScope(id, '10.9.8.0');
      await estate.setFaults('DHCP2', { failCommand: { n: 1, code: 5, cmdlet: 'Set-DhcpServerv4Failover' } });
      const refused = await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { sharedSecret: 'new-s3cret' } })
        .expect(502);
      await estate.setFaults('DHCP2', {});
      expect(refused.body.detail).toMatch(/win-dhcp1-\S+ was restored to the previous configuration\.$/);
      expect(await relationshipOn('DHCP1', name)).toMatchObject({
        enableAuth: true,
        sharedSecret: 'old-s3cret',
      });
      // The record keeps the old secret too: the next PATCH of another setting sends it unchanged.
      await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { maxClientLeadTime: 1800 } })
        .expect(200);
      expect(await relationshipOn('DHCP2', name)).toMatchObject({
        enableAuth: true,
        sharedSecret: 'old-s3cret',
      });
    });

    test('a shared secret sealed under another ENCRYPTION_KEY: other changes are a 409 saying so, sending the secret again recovers', async () => {
      await scope('DHCP1', '10.9.10.0');
      const { id, name } = await create('load-balancing', { sharedSecret: 'lost-s3cret' });
      await addScope(id, '10.9.10.0');
      // As after a restart with another key: the blob is sound, this service's key does not open it.
      const foreign = new SecretBox(randomBytes(32)).seal(
        '{"sharedSecret":"lost-s3cret"}',
        `relationship:${id}`,
      );
      await t.app
        .get(DataSource)
        .query('UPDATE relationships SET sealed_secrets = $1 WHERE id = $2', [foreign, id]);
      const refused = await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { maxClientLeadTime: 1800 } })
        .expect(409);
      expect(refused.body.detail).toContain(
        `relationship ${id} cannot be decrypted with this service's ENCRYPTION_KEY`,
      );
      await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { sharedSecret: 'fresh-s3cret' } })
        .expect(200);
      expect(await relationshipOn('DHCP1', name)).toMatchObject({
        enableAuth: true,
        sharedSecret: 'fresh-s3cret',
      });
      expect(await relationshipOn('DHCP2', name)).toMatchObject({
        enableAuth: true,
        sharedSecret: 'fresh-s3cret',
      });
      await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { maxClientLeadTime: 1800 } })
        .expect(200);
    });

    test('an adopted relationship whose secret was never given: a refused secret change says restoring it FAILED, once', async () => {
      await scope('DHCP1', '10.9.9.0');
      const handMade = uniqueName('hand-auth');
      await estate.seedRelationship({
        name: handMade,
        primary: 'DHCP1',
        secondary: 'DHCP2',
        scopeIds: ['10.9.9.0'],
        sharedSecret: 'unknown-to-us',
      });
      const list = await t.http
        .get('/api/v1/relationships?vendor=windows&discover=true')
        .set(auth())
        .expect(200);
      const found = (list.body.items as Array<{ id: string; name: string }>).find((r) => r.name === handMade);
      await t.http.post(`/api/v1/relationships/${found!.id}/adopt`).set(auth()).expect(200);
      await estate.setFaults('DHCP2', { failCommand: { n: 1, code: 5, cmdlet: 'Set-DhcpServerv4Failover' } });
      const refused = await t.http
        .patch(`/api/v1/relationships/${found!.id}`)
        .set(auth())
        .send({ settings: { sharedSecret: 'n3w' } })
        .expect(502);
      await estate.setFaults('DHCP2', {});
      expect(refused.body.detail).not.toContain('restored to the previous configuration');
      expect(refused.body.detail).toMatch(
        /Restoring win-dhcp1-\S+ FAILED as well; check win-dhcp1-\S+ by hand\.$/,
      );
      expect(refused.body.restored).toEqual([]);
    });

    test('PATCH of a first sharedSecret refused by the second server turns authentication back off on the first', async () => {
      await scope('DHCP1', '10.9.2.0');
      const { id, name } = await create('load-balancing');
      await addScope(id, '10.9.2.0');
      await estate.setFaults('DHCP2', { failCommand: { n: 1, code: 5, cmdlet: 'Set-DhcpServerv4Failover' } });
      const refused = await t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { sharedSecret: 'n3w' } })
        .expect(502);
      await estate.setFaults('DHCP2', {});
      expect(refused.body.detail).toMatch(/win-dhcp1-\S+ was restored to the previous configuration\.$/);
      expect((await relationshipOn('DHCP1', name))?.enableAuth).toBe(false);
      expect((await relationshipOn('DHCP2', name))?.enableAuth).toBe(false);
    });

    test('a relationship made by hand between servers already in a managed one is discovered', async () => {
      await scope('DHCP1', '10.9.3.0');
      await scope('DHCP1', '10.9.4.0');
      const { id } = await create('hot-standby');
      await addScope(id, '10.9.3.0');
      const handMade = uniqueName('hand');
      await estate.seedRelationship({
        name: handMade,
        primary: 'DHCP1',
        secondary: 'DHCP2',
        scopeIds: ['10.9.4.0'],
        mode: 'LoadBalance',
      });
      const list = await t.http
        .get('/api/v1/relationships?vendor=windows&discover=true')
        .set(auth())
        .expect(200);
      expect(list.body.items).toContainEqual(
        expect.objectContaining({ name: handMade, discovered: true, mode: 'load-balancing' }),
      );
    });

    test('DELETE otherCopies=delete refused on the way keeps the relationship; the retry deletes the copies', async () => {
      await scope('DHCP1', '10.9.5.0');
      const { id, name } = await create('hot-standby');
      await addScope(id, '10.9.5.0');
      await estate.setFaults('DHCP1', {
        failCommand: { n: 1, code: 5, cmdlet: 'Remove-DhcpServerv4FailoverScope' },
      });
      const refused = await t.http
        .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['DHCP1']}&otherCopies=delete`)
        .set(auth())
        .expect(502);
      await estate.setFaults('DHCP1', {});
      expect(refused.body.detail).toContain('access denied');
      expect(await relationshipOn('DHCP1', name)).toBeDefined();
      expect(await relationshipOn('DHCP2', name)).toBeDefined();
      await t.http
        .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['DHCP1']}&otherCopies=delete`)
        .set(auth())
        .expect(200);
      const [dhcp1, dhcp2] = await Promise.all([estate.serverState('DHCP1'), estate.serverState('DHCP2')]);
      expect(dhcp1.scopes['10.9.5.0']?.state).toBe('Active');
      expect(dhcp2.scopes['10.9.5.0']).toBeUndefined();
      expect(dhcp2.relationships.map((r) => r.name)).not.toContain(name);
    });

    test('DELETE failing after the relationship went says it is off both servers and names the copies left', async () => {
      await scope('DHCP1', '10.9.7.0');
      const { id, name } = await create('hot-standby');
      await addScope(id, '10.9.7.0');
      // An earlier attempt lost it on the keeper only: the partner's copies go by Remove-DhcpServerv4Scope there.
      await estate.update((state) => {
        const dhcp1 = state.servers['dhcp1'];
        dhcp1.relationships = dhcp1.relationships.filter((r) => r.name !== name);
      });
      await estate.setFaults('DHCP2', { failCommand: { n: 1, code: 5, cmdlet: 'Remove-DhcpServerv4Scope' } });
      const refused = await t.http
        .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['DHCP1']}&otherCopies=delete`)
        .set(auth())
        .expect(502);
      await estate.setFaults('DHCP2', {});
      expect(refused.body.detail).toMatch(
        new RegExp(
          `"${name}" is off both servers, but win-dhcp2-\\S+'s copies of 10\\.9\\.7\\.0 could not be deleted`,
        ),
      );
      expect(refused.body.detail).toContain('may still be active there');
      expect(await relationshipOn('DHCP2', name)).toBeUndefined();
      expect((await estate.serverState('DHCP2')).scopes['10.9.7.0']).toBeDefined();
    });

    test('DELETE otherCopies=disable refused by the partner keeps the relationship; the retry disables the copies', async () => {
      await scope('DHCP1', '10.9.6.0');
      const { id, name } = await create('hot-standby');
      await addScope(id, '10.9.6.0');
      await estate.setFaults('DHCP2', { failCommand: { n: 1, code: 5, cmdlet: 'Set-DhcpServerv4Scope' } });
      await t.http
        .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['DHCP1']}&otherCopies=disable`)
        .set(auth())
        .expect(502);
      await estate.setFaults('DHCP2', {});
      expect(await relationshipOn('DHCP2', name)).toBeDefined();
      await t.http
        .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['DHCP1']}&otherCopies=disable`)
        .set(auth())
        .expect(200);
      const [dhcp1, dhcp2] = await Promise.all([estate.serverState('DHCP1'), estate.serverState('DHCP2')]);
      expect(dhcp1.scopes['10.9.6.0']?.state).toBe('Active');
      expect(dhcp2.scopes['10.9.6.0']?.state).toBe('InActive');
      expect(dhcp2.relationships.map((r) => r.name)).not.toContain(name);
    });
  });
});
