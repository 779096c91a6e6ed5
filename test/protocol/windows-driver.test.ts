/**
 * The Windows driver through the API, over a real sshd in front of the DhcpServer emulator (test/support/windows):
 * connection test, scopes listed and read in the vendor-neutral model, a host key that changed, SSH down, values
 * that try to break out of their literals, a batch that fails half-way (per-scope outcome, nothing lost), and
 * replication Windows to Windows through POST /replications in batched sessions.
 */
import { DriverError } from '../../src/vendors/driver-error.js';
import type { ServerTarget } from '../../src/vendors/driver.js';
import { SCOPE_PARTS, type ScopeContent } from '../../src/vendors/scope-content.js';
import { WindowsDriver } from '../../src/vendors/windows/windows.driver.js';
import { runPowerShell } from '../../src/vendors/windows/powershell/powershell-session.js';
import { windowsSshSettings } from '../../src/vendors/windows/windows-session.js';
import { principalWith, uniqueName } from '../support/fixtures.js';
import { replicate } from '../support/jobs.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';
import { startWindowsEstate, type WindowsEstate } from '../support/windows/windows-estate.js';
import { registerWindows, windowsBody } from '../support/windows/windows-registry.js';

/** Strings that would run code if they were spliced into a script instead of passed as literals. */
const HOSTILE = [
  "x'; Remove-DhcpServerv4Scope -ScopeId '10.9.0.0' -Force; '",
  '‘; Remove-DhcpServerv4Scope -ScopeId 10.9.0.0 -Force; ’',
  '$(Remove-DhcpServerv4Scope -ScopeId 10.9.0.0 -Force)',
  'two\nlines `$x "quoted"',
  // Typographic quotes in a literal that spans lines (the statement is then read over several lines).
  "‘three’ ‚lines‛\nit's",
];

describe('Windows driver over sshd and the DhcpServer emulator', () => {
  let t: TestApp;
  let estate: WindowsEstate;
  let ids: Record<string, string>;
  const auth = (): { Authorization: string } => bearer(t.adminKey);

  beforeAll(async () => {
    estate = await startWindowsEstate({
      servers: [{ name: 'WIN1' }, { name: 'WIN2' }, { name: 'WIN3' }, { name: 'WIN4' }],
    });
    t = await startTestApp({ worker: true });
    ids = await registerWindows(t, estate, ['WIN1', 'WIN2', 'WIN3', 'WIN4']);
    await estate.seedScope('WIN1', {
      scopeId: '10.1.2.0',
      startRange: '10.1.2.10',
      endRange: '10.1.2.200',
      name: 'office',
      description: 'second floor',
      leaseDurationSeconds: 7200,
      exclusions: [{ startRange: '10.1.2.20', endRange: '10.1.2.30' }],
    });
    await estate.seedOption('WIN1', { scopeId: '10.1.2.0' }, 3, ['10.1.2.1']);
    await estate.seedOption('WIN1', { scopeId: '10.1.2.0' }, 6, ['10.0.0.53', '10.0.0.54']);
    await estate.seedReservation('WIN1', '10.1.2.0', {
      ipAddress: '10.1.2.50',
      clientId: 'aa-bb-cc-dd-ee-01',
      name: 'printer',
      description: 'hall',
      type: 'Dhcp',
    });
    await estate.seedOption('WIN1', { reservedIp: '10.1.2.50' }, 3, ['10.1.2.254']);
    await estate.seedScope('WIN1', {
      scopeId: '10.1.3.0',
      startRange: '10.1.3.10',
      endRange: '10.1.3.20',
      state: 'InActive',
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await estate?.stop();
  });

  test('the connection test reports the module version, the server name and its relationships', async () => {
    const response = await t.http
      .post(`/api/v1/servers/${ids['WIN1']}/connection-test`)
      .set(auth())
      .expect(200);
    expect(response.body).toMatchObject({
      ok: true,
      software: 'Windows Server DHCP (DhcpServer module)',
      version: '2.0.0.0',
      facts: { serverName: 'WIN1', scopes: 2, failoverRelationships: [] },
    });
  });

  test('scopes are listed and read in the vendor-neutral model', async () => {
    const list = await t.http.get(`/api/v1/servers/${ids['WIN1']}/scopes`).set(auth()).expect(200);
    expect(list.body.items).toEqual([
      { subnet: '10.1.2.0/24', name: 'office', enabled: true },
      { subnet: '10.1.3.0/24', name: '10.1.3.0', enabled: false },
    ]);
    const scope = await t.http.get(`/api/v1/servers/${ids['WIN1']}/scopes/10.1.2.0`).set(auth()).expect(200);
    expect(scope.body).toMatchObject({
      subnet: '10.1.2.0/24',
      name: 'office',
      description: 'second floor',
      enabled: true,
      leaseTime: 7200,
      pools: [{ start: '10.1.2.10', end: '10.1.2.200' }],
      exclusions: [{ start: '10.1.2.20', end: '10.1.2.30' }],
      options: [
        { code: 3, name: 'Router', value: '10.1.2.1' },
        { code: 6, name: 'DNS Servers', value: ['10.0.0.53', '10.0.0.54'] },
      ],
      reservations: [
        {
          address: '10.1.2.50',
          hardwareAddress: 'aa:bb:cc:dd:ee:01',
          name: 'printer',
          description: 'hall',
          options: [{ code: 3, value: '10.1.2.254' }],
        },
      ],
    });
    await t.http.get(`/api/v1/servers/${ids['WIN1']}/scopes/10.99.0.0`).set(auth()).expect(404);
  });

  test('a host key that changed is refused, naming both fingerprints', async () => {
    const body = windowsBody(estate.server('WIN1'), {
      hostKeyFingerprint: estate.server('WIN1').sshd.userKeyFingerprint,
    });
    const created = await t.http.post('/api/v1/servers').set(auth()).send(body).expect(201);
    const response = await t.http
      .post(`/api/v1/servers/${created.body.id}/connection-test`)
      .set(auth())
      .expect(200);
    expect(response.body).toMatchObject({ ok: false, error: { code: 'auth' } });
    expect(response.body.error.message).toContain('host key mismatch');
    expect(response.body.error.message).toContain(estate.server('WIN1').hostKeyFingerprint);
    expect((await estate.sessions('WIN1')).length).toBeGreaterThan(0);
  });

  test('SSH down is unreachable, with the address', async () => {
    const body = windowsBody(estate.server('WIN1'), { port: 9 });
    const created = await t.http.post('/api/v1/servers').set(auth()).send(body).expect(201);
    const response = await t.http
      .post(`/api/v1/servers/${created.body.id}/connection-test`)
      .set(auth())
      .expect(200);
    expect(response.body).toMatchObject({ ok: false, error: { code: 'unreachable' } });
    expect(response.body.error.message).toContain(`${estate.server('WIN1').host}:9`);
  });

  test('lists reuse a discovery younger than 30 s; discover=true asks the servers now', async () => {
    // WIN3 is in no relationship, so every discovery asks it.
    await t.http.get('/api/v1/relationships?discover=true').set(auth()).expect(200);
    const asked = (await estate.sessions('WIN3')).length;
    await t.http.get('/api/v1/relationships').set(auth()).expect(200);
    expect((await estate.sessions('WIN3')).length).toBe(asked);
    await t.http.get('/api/v1/relationships?discover=true').set(auth()).expect(200);
    expect((await estate.sessions('WIN3')).length).toBe(asked + 1);
  });

  describe('replication Windows to Windows', () => {
    let relationship: string;

    /** A relationship of `servers` made through the API, with `networks` (on the first server) added to it. */
    const relationshipWith = async (
      servers: [string, string],
      mode: 'load-balancing' | 'hot-standby',
      networks: string[],
    ): Promise<string> => {
      const created = await t.http
        .post('/api/v1/relationships')
        .set(auth())
        .send({
          name: uniqueName('wr'),
          vendor: 'windows',
          mode,
          servers: [
            { serverId: ids[servers[0]], role: 'primary' },
            { serverId: ids[servers[1]], role: mode === 'hot-standby' ? 'standby' : 'secondary' },
          ],
        })
        .expect(201);
      const id = created.body.id as string;
      for (const network of networks) {
        await t.http
          .post(`/api/v1/relationships/${id}/scopes`)
          .set(auth())
          .send({ network, sourceServerId: ids[servers[0]] })
          .expect(201);
      }
      return id;
    };

    beforeAll(async () => {
      for (const [i] of HOSTILE.entries()) {
        await estate.seedScope('WIN1', {
          scopeId: `10.2.${i}.0`,
          startRange: `10.2.${i}.10`,
          endRange: `10.2.${i}.100`,
          name: `scope ${i}`,
        });
      }
      // 10.1.3.0 stays outside: a scope of the source that is in no relationship is not the relationship's.
      relationship = await relationshipWith(['WIN1', 'WIN2'], 'load-balancing', [
        '10.1.2.0',
        ...HOSTILE.map((_, i) => `10.2.${i}.0`),
      ]);
      // Edited on WIN1 since it joined: every string field of a scope now holds text that would run code if it
      // were not a literal.
      await estate.update((state) => {
        for (const [i, hostile] of HOSTILE.entries()) {
          Object.assign(state.servers['win1'].scopes[`10.2.${i}.0`], {
            name: hostile.replace('\n', ' '),
            description: hostile,
          });
        }
      });
      for (const [i, hostile] of HOSTILE.entries()) {
        const scopeId = `10.2.${i}.0`;
        await estate.seedReservation('WIN1', scopeId, {
          ipAddress: `10.2.${i}.50`,
          clientId: `aa-bb-cc-00-00-0${i}`,
          name: hostile.replace('\n', ' '),
          description: hostile,
          type: 'Both',
        });
        await estate.seedOption('WIN1', { scopeId }, 15, [hostile.replace('\n', ' ')]);
      }
      await estate.seedOption('WIN1', { scopeId: '10.1.2.0' }, 15, ['example.org']);
      // A scope only the destination has, which the injected text names: it must survive.
      await estate.seedScope('WIN2', { scopeId: '10.9.0.0', startRange: '10.9.0.10', endRange: '10.9.0.20' });
    });

    test("a relationship replication copies the relationship's scopes by cmdlets, every string arriving as text", async () => {
      const before = (await estate.sessions('WIN2')).length;
      const job = await replicate(t, {
        kind: 'relationship',
        sourceServerId: ids['WIN1'],
        relationshipId: relationship,
        nativeReplication: false,
      });
      expect(job.state).toBe('succeeded');
      const outcomes = Object.values(job.outcome.scopes ?? {});
      expect(outcomes.map((scope) => scope.network).sort()).toEqual(
        ['10.1.2.0', ...HOSTILE.map((_, i) => `10.2.${i}.0`)].sort(),
      );
      expect(new Set(outcomes.map((scope) => scope.state))).toEqual(new Set(['replaced']));
      const win1 = await estate.serverState('WIN1');
      const win2 = await estate.serverState('WIN2');
      expect(win2.scopes['10.9.0.0']).toBeDefined();
      expect(win2.scopes['10.1.3.0']).toBeUndefined();
      for (const [i, hostile] of HOSTILE.entries()) {
        const copy = win2.scopes[`10.2.${i}.0`];
        expect(copy.description).toBe(hostile);
        expect(copy.name).toBe(hostile.replace('\n', ' '));
        expect(copy.reservations[0]).toMatchObject({ description: hostile, type: 'Both' });
        expect(copy.options['15']).toEqual([hostile.replace('\n', ' ')]);
        expect(copy).toEqual(win1.scopes[`10.2.${i}.0`]);
      }
      expect(win2.scopes['10.1.2.0']).toEqual(win1.scopes['10.1.2.0']);
      // One session to read the destination (kept for the write), one to read the scopes to write again just
      // before writing (an edit in between is not overwritten), one to write every scope.
      expect((await estate.sessions('WIN2')).length - before).toBe(3);
      // Replicating again finds nothing to change and writes nothing, but the scope edited since; by default
      // Windows copies that one itself (Invoke-DhcpServerv4FailoverReplication, one session on the source).
      await estate.update((state) => {
        state.servers['win1'].scopes['10.1.2.0'].description = 'edited again';
      });
      const win1Sessions = (await estate.sessions('WIN1')).length;
      const win2Sessions = (await estate.sessions('WIN2')).length;
      const again = await replicate(t, {
        kind: 'relationship',
        sourceServerId: ids['WIN1'],
        relationshipId: relationship,
      });
      const states = Object.fromEntries(
        Object.values(again.outcome.scopes ?? {}).map((scope) => [scope.network, scope.state]),
      );
      expect(states).toEqual({
        '10.1.2.0': 'replaced',
        ...Object.fromEntries(HOSTILE.map((_, i) => [`10.2.${i}.0`, 'unchanged'])),
      });
      expect((await estate.serverState('WIN2')).scopes['10.1.2.0'].description).toBe('edited again');
      const replicated = (await estate.sessions('WIN1')).slice(win1Sessions);
      expect(replicated).toHaveLength(2); // its read, and the replication
      // The destination is only read: what Windows copies itself replaces its copy whatever it holds, so the
      // scope is not read again before the write.
      expect((await estate.sessions('WIN2')).length - win2Sessions).toBe(1);
    });

    test('a named scope of the source outside the relationship fails the job, saying so', async () => {
      const job = await replicate(t, {
        kind: 'scope',
        sourceServerId: ids['WIN1'],
        relationshipId: relationship,
        network: '10.1.3.0',
      });
      expect(Object.values(job.outcome.scopes ?? {})).toEqual([
        expect.objectContaining({
          network: '10.1.3.0',
          state: 'failed',
          reason: expect.stringMatching(/^scope 10\.1\.3\.0 on \S+ is not in this relationship/),
        }),
      ]);
      expect(job.state).toBe('failed');
      expect(job.error).toMatch(
        /^1 of 1 scopes failed .*10\.1\.3\.0: scope 10\.1\.3\.0 on \S+ is not in this relationship/,
      );
      expect((await estate.serverState('WIN2')).scopes['10.1.3.0']).toBeUndefined();
    });

    test('a write failing half-way reports each scope: landed, failed with the reason, nothing silently lost', async () => {
      const networks = ['10.4.1.0', '10.4.2.0', '10.4.3.0'];
      for (const network of networks) {
        const prefix = network.slice(0, -1);
        await estate.seedScope('WIN1', {
          scopeId: network,
          startRange: `${prefix}10`,
          endRange: `${prefix}99`,
        });
      }
      const pair = await relationshipWith(['WIN1', 'WIN4'], 'hot-standby', networks);
      for (const [i, network] of networks.entries()) {
        await estate.seedReservation('WIN1', network, {
          ipAddress: `${network.slice(0, -1)}50`,
          clientId: `aa-bb-cc-00-01-0${i}`,
          name: `r${i}`,
        });
      }
      // The write's second reservation fails: its scope is reported half-written, the others landed.
      await estate.setFaults('WIN4', {
        failCommand: { n: 2, code: 20005, cmdlet: 'Add-DhcpServerv4Reservation' },
      });
      let job;
      try {
        job = await replicate(t, {
          kind: 'relationship',
          sourceServerId: ids['WIN1'],
          relationshipId: pair,
          nativeReplication: false,
        });
      } finally {
        await estate.setFaults('WIN4', {});
      }
      const outcomes = Object.values(job.outcome.scopes ?? {});
      expect(outcomes).toHaveLength(networks.length);
      const failed = outcomes.filter((scope) => scope.state === 'failed');
      const replaced = outcomes.filter((scope) => scope.state === 'replaced');
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({
        reason: expect.stringMatching(/may be half-written.*scope does not exist/),
      });
      expect(replaced).toHaveLength(outcomes.length - 1);
      const win1 = await estate.serverState('WIN1');
      const win4 = await estate.serverState('WIN4');
      for (const scope of replaced) expect(win4.scopes[scope.network]).toEqual(win1.scopes[scope.network]);
      expect(win4.scopes[failed[0].network]).not.toEqual(win1.scopes[failed[0].network]);
      // Replicated again, the failed scope is completed and the others are left alone.
      const retried = await replicate(t, {
        kind: 'relationship',
        sourceServerId: ids['WIN1'],
        relationshipId: pair,
        nativeReplication: false,
      });
      const again = Object.values(retried.outcome.scopes ?? {});
      expect(again.find((scope) => scope.network === failed[0].network)).toMatchObject({
        state: 'replaced',
      });
      expect(again.filter((scope) => scope.state === 'unchanged')).toHaveLength(outcomes.length - 1);
      expect((await estate.serverState('WIN4')).scopes[failed[0].network]).toEqual(
        win1.scopes[failed[0].network],
      );
    });
    test("an exclusion only the source's wider range holds, copied by a caller with edit-exclusions alone, is refused with the reason before anything of the scope is written; a dry run says so first", async () => {
      await estate.seedScope('WIN1', {
        scopeId: '10.6.1.0',
        startRange: '10.6.1.10',
        endRange: '10.6.1.200',
        exclusions: [{ startRange: '10.6.1.20', endRange: '10.6.1.30' }],
      });
      await t.http
        .post(`/api/v1/relationships/${relationship}/scopes`)
        .set(auth())
        .send({ network: '10.6.1.0', sourceServerId: ids['WIN1'] })
        .expect(201);
      // Since it joined, WIN1's range was widened and its exclusion moved into the new addresses.
      await estate.update((state) => {
        Object.assign(state.servers['win1'].scopes['10.6.1.0'], {
          endRange: '10.6.1.250',
          exclusions: [{ startRange: '10.6.1.220', endRange: '10.6.1.230' }],
        });
      });
      const grant = (serverId: string): Record<string, unknown> => ({
        permissions: ['edit-exclusions'],
        resource: { type: 'scope', serverId, network: '10.6.1.0' },
      });
      const caller = await principalWith(t, [grant(ids['WIN1']), grant(ids['WIN2'])]);
      const request = {
        kind: 'scope',
        sourceServerId: ids['WIN1'],
        relationshipId: relationship,
        network: '10.6.1.0',
      };
      const refused = {
        state: 'failed',
        reason:
          "scope 10.6.1.0: exclusion 10.6.1.220-10.6.1.230 is outside the scope's address range " +
          '10.6.1.10-10.6.1.200, and Windows keeps exclusions and reservations inside it; nothing of the scope ' +
          'was written (replicating its pools too would widen the range)',
      };
      // The dry run reports the refusal the write meets, not `would-replace`.
      const dry = await replicate(t, { ...request, dryRun: true }, caller.key);
      expect(dry.outcome.scopes?.[`${relationship}/10.6.1.0`]).toMatchObject(refused);
      const job = await replicate(t, request, caller.key);
      expect(job.outcome.scopes?.[`${relationship}/10.6.1.0`]).toMatchObject(refused);
      // The destination's own exclusion is still there (it was removed before the add failed).
      expect((await estate.serverState('WIN2')).scopes['10.6.1.0'].exclusions).toEqual([
        { startRange: '10.6.1.20', endRange: '10.6.1.30' },
      ]);
    });
    test('a scope whose copy on the partner was deleted by hand is not created again outside the relationship: the job (and its dry run) fails it, saying how to put it back', async () => {
      await estate.seedScope('WIN1', {
        scopeId: '10.6.2.0',
        startRange: '10.6.2.10',
        endRange: '10.6.2.200',
      });
      await t.http
        .post(`/api/v1/relationships/${relationship}/scopes`)
        .set(auth())
        .send({ network: '10.6.2.0', sourceServerId: ids['WIN1'] })
        .expect(201);
      // Gone from WIN2 by hand (e.g. its DHCP database restored from before the scope joined): from its scopes and
      // its side of the relationship; WIN1 still holds it in failover.
      await estate.update((state) => {
        const win2 = state.servers['win2'];
        delete win2.scopes['10.6.2.0'];
        for (const item of win2.relationships)
          item.scopeIds = item.scopeIds.filter((id) => id !== '10.6.2.0');
      });
      const request = {
        kind: 'scope',
        sourceServerId: ids['WIN1'],
        relationshipId: relationship,
        network: '10.6.2.0',
      };
      const name = (await estate.serverState('WIN1')).relationships.find((item) =>
        item.scopeIds.includes('10.6.2.0'),
      )!.name;
      const [win1Name, win2Name] = await Promise.all(
        ['WIN1', 'WIN2'].map(
          async (server) =>
            (await t.http.get(`/api/v1/servers/${ids[server]}`).set(auth()).expect(200)).body.name as string,
        ),
      );
      const refused = {
        state: 'failed',
        reason:
          `${win2Name} has no scope 10.6.2.0, which ${win1Name} holds in failover relationship "${name}"; a copy made by ` +
          `cmdlets would be outside the relationship (in failover on ${win1Name} only), so nothing was written. Windows ` +
          'puts a copy on the partner only by adding the scope to the relationship: take it out, keeping ' +
          `${win1Name}'s copy (DELETE /api/v1/relationships/${relationship}/scopes/10.6.2.0?serverId=${ids['WIN2']}), ` +
          `then add it again from ${win1Name} (POST /api/v1/relationships/${relationship}/scopes with sourceServerId ` +
          `${ids['WIN1']}).`,
      };
      const dry = await replicate(t, { ...request, dryRun: true });
      expect(dry.outcome.scopes?.[`${relationship}/10.6.2.0`]).toMatchObject(refused);
      for (const nativeReplication of [true, false]) {
        const job = await replicate(t, { ...request, nativeReplication });
        expect(job.outcome.scopes?.[`${relationship}/10.6.2.0`]).toMatchObject(refused);
      }
      expect((await estate.serverState('WIN2')).scopes['10.6.2.0']).toBeUndefined();
      // A relationship replication whose write fails for another scope keeps this scope's own reason.
      await estate.update((state) => {
        state.servers['win1'].scopes['10.1.2.0'].description = 'edited before a failing write';
      });
      await estate.setFaults('WIN2', { failCommand: { n: 1, code: 87, cmdlet: 'Set-DhcpServerv4Scope' } });
      let whole;
      try {
        whole = await replicate(t, {
          kind: 'relationship',
          sourceServerId: ids['WIN1'],
          relationshipId: relationship,
          nativeReplication: false,
        });
      } finally {
        await estate.setFaults('WIN2', {});
      }
      const wholeScopes = whole.outcome.scopes ?? {};
      expect(
        Object.values(wholeScopes).filter(
          (scope) => scope.state === 'failed' && scope.network !== '10.6.2.0',
        ),
      ).toHaveLength(1);
      expect(wholeScopes[`${relationship}/10.6.2.0`]).toMatchObject(refused);
      // What the reason says puts it back in the relationship on both servers; the next replication finds it equal.
      await t.http
        .delete(`/api/v1/relationships/${relationship}/scopes/10.6.2.0?serverId=${ids['WIN2']}`)
        .set(auth())
        .expect(200);
      await t.http
        .post(`/api/v1/relationships/${relationship}/scopes`)
        .set(auth())
        .send({ network: '10.6.2.0', sourceServerId: ids['WIN1'] })
        .expect(201);
      const win2 = await estate.serverState('WIN2');
      expect(win2.relationships.find((item) => item.name === name)?.scopeIds).toContain('10.6.2.0');
      expect(win2.scopes['10.6.2.0']).toEqual((await estate.serverState('WIN1')).scopes['10.6.2.0']);
      const again = await replicate(t, request);
      expect(again.outcome.scopes?.[`${relationship}/10.6.2.0`]).toMatchObject({ state: 'unchanged' });
    });
    test("a scope whose partner copy is outside the relationship (its own scope there) is not written by cmdlets: the job (and its dry run) fails it, saying how to put it back, and the relationship's other scopes are written", async () => {
      await estate.seedScope('WIN1', {
        scopeId: '10.6.3.0',
        startRange: '10.6.3.10',
        endRange: '10.6.3.200',
      });
      await t.http
        .post(`/api/v1/relationships/${relationship}/scopes`)
        .set(auth())
        .send({ network: '10.6.3.0', sourceServerId: ids['WIN1'] })
        .expect(201);
      // WIN2's copy left its side of the relationship (e.g. its DHCP database restored from a time the scope was its
      // own there) and was edited by hand since; WIN1 still holds the scope in failover and was edited too.
      await estate.update((state) => {
        const win2 = state.servers['win2'];
        for (const item of win2.relationships)
          item.scopeIds = item.scopeIds.filter((id) => id !== '10.6.3.0');
        win2.scopes['10.6.3.0'].description = 'by hand on WIN2';
        state.servers['win1'].scopes['10.6.3.0'].description = 'edited on WIN1';
      });
      const standalone = (await estate.serverState('WIN2')).scopes['10.6.3.0'];
      const request = {
        kind: 'scope',
        sourceServerId: ids['WIN1'],
        relationshipId: relationship,
        network: '10.6.3.0',
      };
      const name = (await estate.serverState('WIN1')).relationships.find((item) =>
        item.scopeIds.includes('10.6.3.0'),
      )!.name;
      const [win1Name, win2Name] = await Promise.all(
        ['WIN1', 'WIN2'].map(
          async (server) =>
            (await t.http.get(`/api/v1/servers/${ids[server]}`).set(auth()).expect(200)).body.name as string,
        ),
      );
      const refused = {
        state: 'failed',
        reason:
          `${win2Name}'s scope 10.6.3.0 is in no failover relationship there, while ${win1Name} holds it in ` +
          `failover relationship "${name}"; cmdlets would write a copy outside the relationship, so nothing was ` +
          'written. Windows puts a copy in the relationship only by adding the scope to it, and only while the ' +
          `partner has no scope 10.6.3.0: take it out, keeping ${win1Name}'s copy (DELETE ` +
          `/api/v1/relationships/${relationship}/scopes/10.6.3.0?serverId=${ids['WIN2']}: Windows deletes ` +
          `${win2Name}'s), then add it again from ${win1Name} (POST /api/v1/relationships/${relationship}/scopes ` +
          `with sourceServerId ${ids['WIN1']}).`,
      };
      const dry = await replicate(t, { ...request, dryRun: true });
      expect(dry.outcome.scopes?.[`${relationship}/10.6.3.0`]).toMatchObject(refused);
      for (const nativeReplication of [true, false]) {
        const job = await replicate(t, { ...request, nativeReplication });
        expect(job.outcome.scopes?.[`${relationship}/10.6.3.0`]).toMatchObject(refused);
      }
      expect((await estate.serverState('WIN2')).scopes['10.6.3.0']).toEqual(standalone);
      // A relationship replication writes the other scopes and fails this one with its reason, by either path.
      for (const nativeReplication of [true, false]) {
        await estate.update((state) => {
          state.servers['win1'].scopes['10.1.2.0'].description = `edited for native ${nativeReplication}`;
        });
        const whole = await replicate(t, {
          kind: 'relationship',
          sourceServerId: ids['WIN1'],
          relationshipId: relationship,
          nativeReplication,
        });
        const wholeScopes = whole.outcome.scopes ?? {};
        expect(wholeScopes[`${relationship}/10.1.2.0`]).toMatchObject({ state: 'replaced' });
        expect(wholeScopes[`${relationship}/10.6.3.0`]).toMatchObject(refused);
        expect(
          Object.values(wholeScopes)
            .filter((scope) => scope.state === 'failed')
            .map((scope) => scope.network),
        ).toEqual(['10.6.3.0']);
        const win2 = await estate.serverState('WIN2');
        expect(win2.scopes['10.1.2.0'].description).toBe(`edited for native ${nativeReplication}`);
        expect(win2.scopes['10.6.3.0']).toEqual(standalone);
      }
      // What the reason says puts it back in the relationship on both servers; the next replication finds it equal.
      await t.http
        .delete(`/api/v1/relationships/${relationship}/scopes/10.6.3.0?serverId=${ids['WIN2']}`)
        .set(auth())
        .expect(200);
      expect((await estate.serverState('WIN2')).scopes['10.6.3.0']).toBeUndefined();
      await t.http
        .post(`/api/v1/relationships/${relationship}/scopes`)
        .set(auth())
        .send({ network: '10.6.3.0', sourceServerId: ids['WIN1'] })
        .expect(201);
      const win2 = await estate.serverState('WIN2');
      expect(win2.relationships.find((item) => item.name === name)?.scopeIds).toContain('10.6.3.0');
      expect(win2.scopes['10.6.3.0']).toEqual((await estate.serverState('WIN1')).scopes['10.6.3.0']);
      const again = await replicate(t, request);
      expect(again.outcome.scopes?.[`${relationship}/10.6.3.0`]).toMatchObject({ state: 'unchanged' });
    });
  });

  describe('the driver on its own: a batch whose connection drops', () => {
    const driver = new WindowsDriver();
    const target = (): ServerTarget => {
      const { privateKey, ...connection } = windowsBody(estate.server('WIN3'))['connection'] as Record<
        string,
        string
      >;
      return {
        id: ids['WIN3'],
        name: 'WIN3',
        vendor: 'windows',
        address: connection['host'],
        connection,
        secrets: { privateKey: privateKey },
      };
    };
    const content = (i: number): ScopeContent => ({
      subnet: `10.3.${i}.0/24`,
      name: `s${i}`,
      enabled: true,
      pools: [{ start: `10.3.${i}.10`, end: `10.3.${i}.100` }],
      exclusions: [],
      reservations: [],
      options: [{ code: 3, value: `10.3.${i}.1` }],
    });

    test('a script PowerShell cannot parse is invalid-config with its parser error; a batch past its bound is unreachable', async () => {
      const settings = windowsSshSettings(target());
      const parse = await runPowerShell(settings, "Get-DhcpServerv4Scope -ScopeId '10.0.0.0\n\n").catch(
        (error: unknown) => error,
      );
      expect(parse).toBeInstanceOf(DriverError);
      expect((parse as DriverError).code).toBe('invalid-config');
      expect((parse as DriverError).message).toMatch(/exit status 1/);
      expect((parse as DriverError).vendorMessage).toMatch(/FullyQualifiedErrorId/);
      await estate.setFaults('WIN3', { delayMs: 5_000 });
      try {
        const slow = await runPowerShell(
          { ...settings, commandTimeoutMs: 1_000 },
          'ConvertTo-Json -InputObject @()\n',
        ).catch((error: unknown) => error);
        expect(slow).toBeInstanceOf(DriverError);
        expect((slow as DriverError).code).toBe('unreachable');
        expect((slow as DriverError).message).toMatch(/did not finish within 1000 ms/);
      } finally {
        await estate.setFaults('WIN3', {});
      }
      expect(await runPowerShell(settings, 'ConvertTo-Json -InputObject @()\n')).toEqual([]);
    });

    test('names every scope of the batch as possibly half-written; nothing is reported written that was not', async () => {
      const networks = [0, 1, 2].map((i) => `10.3.${i}.0`);
      // The read the write starts from is kept (as replication does), so the fault meets the write's session.
      await driver.readScopes(target(), networks, { keepForWrite: true });
      // Each scope is two cmdlets (the scope, its option): the connection drops after the second scope is added,
      // before its option (scope 1 half done).
      await estate.setFaults('WIN3', { dropAfterCmdlets: { n: 2, cmdlet: 'Add-DhcpServerv4Scope' } });
      let error: unknown;
      try {
        await driver.writeScopes(
          target(),
          [0, 1, 2].map((i) => ({ content: content(i), parts: SCOPE_PARTS })),
          {
            principalId: 'test',
            correlationId: 'test',
          },
        );
      } catch (caught) {
        error = caught;
      } finally {
        await estate.setFaults('WIN3', {});
      }
      expect(error).toBeInstanceOf(DriverError);
      const driverError = error as DriverError;
      expect(driverError.code).toBe('unreachable');
      expect(driverError.scopes?.written).toEqual([]);
      expect(Object.keys(driverError.scopes?.failed ?? {}).sort()).toEqual([
        '10.3.0.0',
        '10.3.1.0',
        '10.3.2.0',
      ]);
      expect(driverError.scopes?.failed['10.3.1.0']).toMatch(/may be half-written/);
      // Written again, it completes what landed and adds the rest.
      await driver.writeScopes(
        target(),
        [0, 1, 2].map((i) => ({ content: content(i), parts: SCOPE_PARTS })),
        {
          principalId: 'test',
          correlationId: 'test',
        },
      );
      const scopes = (await estate.serverState('WIN3')).scopes;
      expect(Object.keys(scopes).sort()).toEqual(networks);
      expect(scopes['10.3.1.0'].options['3']).toEqual(['10.3.1.1']);
      expect(scopes['10.3.2.0'].options['3']).toEqual(['10.3.2.1']);
    });

    test('a scope edited on the server after the read the write comes from is left alone and named; the rest is written', async () => {
      const context = { principalId: 'test', correlationId: 'test' };
      const gateway = (i: number, host: number): ScopeContent => ({
        ...content(i),
        options: [{ code: 3, value: `10.3.${i}.${host}` }],
      });
      await driver.writeScopes(
        target(),
        [5, 6].map((i) => ({ content: gateway(i, 1), parts: SCOPE_PARTS })),
        context,
      );
      await driver.readScopes(target(), ['10.3.5.0', '10.3.6.0'], { keepForWrite: true });
      await estate.update((state) => {
        state.servers['win3'].scopes['10.3.5.0'].description = 'edited by hand';
      });
      const write = [5, 6].map((i) => ({ content: gateway(i, 254), parts: SCOPE_PARTS }));
      const error = await driver.writeScopes(target(), write, context).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(DriverError);
      expect(error).toMatchObject({
        code: 'conflict',
        scopes: {
          written: ['10.3.6.0'],
          failed: { '10.3.5.0': expect.stringMatching(/10\.3\.5\.0 changed on .* after it was read/) },
        },
      });
      const scopes = (await estate.serverState('WIN3')).scopes;
      expect(scopes['10.3.5.0']).toMatchObject({
        description: 'edited by hand',
        options: { '3': ['10.3.5.1'] },
      });
      expect(scopes['10.3.6.0'].options['3']).toEqual(['10.3.6.254']);
      // Written again from what is there now (no kept read), the edit is replaced as asked.
      await driver.writeScopes(target(), write, context);
      expect((await estate.serverState('WIN3')).scopes['10.3.5.0'].options['3']).toEqual(['10.3.5.254']);
    });
  });
});
