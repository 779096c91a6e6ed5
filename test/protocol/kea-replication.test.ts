import { DataSource } from 'typeorm';
import { configDigest } from '../../src/vendors/kea/kea-config-update.js';
import { MetricsService } from '../../src/observability/metrics.service.js';
import { principalWith } from '../support/fixtures.js';
import { replicate as replicateAs, waitForJob } from '../support/jobs.js';
import { KeaEstate } from '../support/kea/kea-estate.js';
import type { KeaServer } from '../support/kea/kea-server.js';
import { officeSubnet, setSubnet, subnetOn, type KeaSubnet } from '../support/kea/kea-subnets.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

const OFFICE = officeSubnet(60);

describe('replication as jobs, on a real Kea pair', () => {
  let t: TestApp;
  let kea: KeaEstate;
  let a: KeaServer;
  let b: KeaServer;
  let idA: string;
  let idB: string;
  let rel: string;
  const auth = (): { Authorization: string } => bearer(t.adminKey);
  beforeAll(async () => {
    t = await startTestApp();
    kea = new KeaEstate(t);
    [a, b] = [await kea.start(), await kea.start()];
    [idA, idB] = [await kea.register(a), await kea.register(b)];
    rel = (await kea.createRelationship(idA, idB)).body.id as string;
  });
  afterAll(async () => {
    await kea.stopAll();
    await t.close();
  });

  const replicate = (
    body: Record<string, unknown>,
    key = t.adminKey,
    headers: Record<string, string> = {},
  ): Promise<Record<string, unknown>> => replicateAs(t, body, key, headers);

  const scopeBody = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    kind: 'scope',
    sourceServerId: idA,
    destinationServerId: idB,
    relationshipId: rel,
    network: '10.60.0.0',
    ...extra,
  });

  it('copies of a subnet under different ids: the listing says it does not fail over, and so does a replication', async () => {
    await setSubnet(a, officeSubnet(71));
    await setSubnet(b, { ...officeSubnet(71), id: 171 });
    const listing = await t.http.get(`/api/v1/relationships/${rel}/scopes`).set(auth()).expect(200);
    const item = (listing.body.items as Array<Record<string, unknown>>).find(
      (scope) => scope['network'] === '10.71.0.0',
    );
    expect(item).toMatchObject({ presentOn: [idA, idB], inStep: false });
    expect(item?.['outOfStep']).toContain(`subnet id 71 on ${a.name} and 171 on ${b.name}`);
    expect(item?.['outOfStep']).toContain(
      `DELETE /api/v1/relationships/${rel}/scopes/10.71.0.0?serverId=${idB}`,
    );

    const job = await replicate(scopeBody({ network: '10.71.0.0' }));
    const outcome = (job['outcome'] as { scopes: Record<string, Record<string, unknown>> }).scopes[
      `${rel}/10.71.0.0`
    ];
    expect(job['state']).toBe('succeeded');
    expect(outcome['outOfStep']).toContain(`subnet id 71 on ${a.name} and 171 on ${b.name}`);
    // The write keeps b's id: the copies still differ, and the next listing still says so.
    expect((await subnetOn(b, '10.71.0.0/24'))?.id).toBe(171);
  });

  it('a dry run stores the diff and writes nothing; the real run replaces the content and is audited with the job id', async () => {
    await setSubnet(a, OFFICE);
    await setSubnet(b, {
      ...OFFICE,
      reservations: [],
      'option-data': [{ name: 'routers', data: '10.60.0.254' }],
    });
    const before = configDigest(await b.dhcp4Config());

    const dry = await replicate(scopeBody({ dryRun: true }));
    const outcome = (dry['outcome'] as { scopes: Record<string, Record<string, unknown>> }).scopes[
      `${rel}/10.60.0.0`
    ];
    expect(dry).toMatchObject({ state: 'succeeded', progress: { done: 1, total: 1 } });
    expect(outcome).toMatchObject({ state: 'would-replace' });
    // Diffs are large: polling leaves them out, `?include=details` brings them.
    expect(dry).not.toHaveProperty('details');
    const detailed = await t.http
      .get(`/api/v1/jobs/${dry['id'] as string}?include=details`)
      .set(auth())
      .expect(200);
    expect(detailed.body.details.diffs[`${rel}/10.60.0.0`]).toMatchObject({
      reservations: {
        added: [{ address: '10.60.0.5', hardwareAddress: '0a:00:00:00:00:01', name: 'printer' }],
      },
      options: { changed: [{ key: '3', before: { value: '10.60.0.254' }, after: { value: '10.60.0.1' } }] },
    });
    await t.http
      .get(`/api/v1/jobs/${dry['id'] as string}?include=everything`)
      .set(auth())
      .expect(400);
    expect(configDigest(await b.dhcp4Config())).toBe(before);

    const real = await replicate(scopeBody());
    expect(real['state']).toBe('succeeded');
    expect(
      (real['outcome'] as { scopes: Record<string, { state: string }> }).scopes[`${rel}/10.60.0.0`].state,
    ).toBe('replaced');
    expect(await subnetOn(b, '10.60.0.0/24')).toMatchObject({
      reservations: [{ 'ip-address': '10.60.0.5', hostname: 'printer' }],
      'option-data': [{ name: 'routers', data: '10.60.0.1' }],
    });
    const audit: Array<{ correlation_id: string }> = await t.app
      .get(DataSource)
      .query(
        `SELECT correlation_id FROM audit_events WHERE action = 'replication.written' AND target_id = $1`,
        [idB],
      );
    expect(audit.map((row) => row.correlation_id)).toContain(real['id']);

    const again = await replicate(scopeBody());
    expect(
      (again['outcome'] as { scopes: Record<string, { state: string }> }).scopes[`${rel}/10.60.0.0`].state,
    ).toBe('unchanged');
  });

  it('a caller holding only edit-reservations replaces the reservations and leaves the rest, saying so; no bit is a 403', async () => {
    await setSubnet(a, {
      ...OFFICE,
      reservations: [{ 'hw-address': '0a:00:00:00:00:02', 'ip-address': '10.60.0.6', hostname: 'phone' }],
      'option-data': [{ name: 'routers', data: '10.60.0.2' }],
    });
    const scopeGrant = (serverId: string): Record<string, unknown> => ({
      permissions: ['edit-reservations'],
      resource: { type: 'scope', serverId, network: '10.60.0.0' },
    });
    const caller = await principalWith(t, [scopeGrant(idA), scopeGrant(idB)]);
    const job = await replicate(scopeBody(), caller.key);
    expect((job['outcome'] as { scopes: Record<string, unknown> }).scopes[`${rel}/10.60.0.0`]).toMatchObject({
      state: 'replaced',
      partsLeftAlone: ['options', 'pools', 'exclusions'],
    });
    const copy = await subnetOn(b, '10.60.0.0/24');
    expect(copy).toMatchObject({
      reservations: [{ 'ip-address': '10.60.0.6', hostname: 'phone' }],
      'option-data': [{ name: 'routers', data: '10.60.0.1' }],
    });

    // A scope the destination lacks would be created whole: with some of the bits only, it is skipped, saying why.
    await setSubnet(a, { ...officeSubnet(64), id: 64 });
    const partialGrant = (serverId: string): Record<string, unknown> => ({
      permissions: ['edit-reservations'],
      resource: { type: 'scope', serverId, network: '10.64.0.0' },
    });
    const partial = await principalWith(t, [partialGrant(idA), partialGrant(idB)]);
    const missing = await replicate(scopeBody({ network: '10.64.0.0' }), partial.key);
    expect(missing['state']).toBe('succeeded');
    expect(
      (missing['outcome'] as { scopes: Record<string, unknown> }).scopes[`${rel}/10.64.0.0`],
    ).toMatchObject({
      state: 'skipped',
      reason: expect.stringContaining('has no scope 10.64.0.0: creating it copies every part'),
    });
    expect(await subnetOn(b, '10.64.0.0/24')).toBeUndefined();

    const nobody = await principalWith(t, []);
    const refused = await t.http
      .post('/api/v1/replications')
      .set(bearer(nobody.key))
      .send(scopeBody())
      .expect(403);
    expect(refused.body.missingPermission).toBe('read-write-scope-options');
    // Relationship-wide replication needs administer-dhcp-servers, which scope bits do not give.
    const wide = await t.http
      .post('/api/v1/replications')
      .set(bearer(caller.key))
      .send({ kind: 'relationship', sourceServerId: idA, relationshipId: rel })
      .expect(403);
    expect(wide.body.missingPermission).toBe('administer-dhcp-servers');
  });

  it('replicates every scope of a relationship in one write, and the same Idempotency-Key answers the same job', async () => {
    await setSubnet(a, {
      ...OFFICE,
      id: 61,
      subnet: '10.61.0.0/24',
      pools: [{ pool: '10.61.0.10 - 10.61.0.20' }],
      reservations: [],
      'option-data': [],
    });
    const job = await replicate(
      { kind: 'relationship', sourceServerId: idA, relationshipId: rel },
      t.adminKey,
      { 'Idempotency-Key': 'rel-run-1' },
    );
    expect(job['state']).toBe('succeeded');
    const scopes = (job['outcome'] as { scopes: Record<string, { state: string }> }).scopes;
    expect(scopes[`${rel}/10.61.0.0`]?.state).toBe('replaced');
    expect(scopes[`${rel}/10.60.0.0`]?.state).toBe('replaced');
    expect(await subnetOn(b, '10.61.0.0/24')).toMatchObject({ id: 61 });
    const repeated = await t.http
      .post('/api/v1/replications')
      .set(auth())
      .set('Idempotency-Key', 'rel-run-1')
      .send({ kind: 'relationship', sourceServerId: idA, relationshipId: rel })
      .expect(202);
    expect(repeated.body.id).toBe(job['id']);
    expect(repeated.headers['idempotent-replayed']).toBe('true');
    // The same key for another request (here a dry run) is refused, not answered with the first job.
    const jobsBefore = (await t.http.get('/api/v1/jobs?limit=1').set(auth()).expect(200)).body.total;
    const other = await t.http
      .post('/api/v1/replications')
      .set(auth())
      .set('Idempotency-Key', 'rel-run-1')
      .send({ kind: 'relationship', sourceServerId: idA, relationshipId: rel, dryRun: true })
      .expect(422);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(other.body).toMatchObject({ type: 'urn:dfm:problem:idempotency-key-reused' });
    expect(other.body.detail).toMatch(/use a new key/);
    expect((await t.http.get('/api/v1/jobs?limit=1').set(auth()).expect(200)).body.total).toBe(jobsBefore);

    // A key answers for 24 hours: a day later the same key starts a new job (the old one lets the key go).
    await t.app
      .get(DataSource)
      .query(`UPDATE jobs SET created_at = now() - interval '25 hours' WHERE id = $1`, [job['id']]);
    const dayLater = await t.http
      .post('/api/v1/replications')
      .set(auth())
      .set('Idempotency-Key', 'rel-run-1')
      .send({ kind: 'relationship', sourceServerId: idA, relationshipId: rel, dryRun: true })
      .expect(202);
    expect(dayLater.body.id).not.toBe(job['id']);
    expect(dayLater.headers['idempotent-replayed']).toBeUndefined();
    await waitForJob(t, dayLater.body.id as string);
  });

  it('replicates every failover scope of a server to its partner, and /metrics counts and times jobs by kind', async () => {
    await setSubnet(a, officeSubnet(62, '10.62.0.62'));
    const job = await replicate({ kind: 'server', sourceServerId: idA });
    expect(job['state']).toBe('succeeded');
    const scopes = (
      job['outcome'] as { scopes: Record<string, { state: string; destinationServerId: string }> }
    ).scopes;
    expect(scopes[`${rel}/10.62.0.0`]).toMatchObject({ state: 'replaced', destinationServerId: idB });
    expect(Object.keys(scopes)).toHaveLength(((await a.dhcp4Config())['subnet4'] as unknown[]).length);
    expect(await subnetOn(b, '10.62.0.0/24')).toMatchObject({
      'option-data': [{ name: 'routers', data: '10.62.0.62' }],
    });

    const metrics = await t.app.get(MetricsService).registry.metrics();
    for (const kind of ['scope', 'relationship', 'server']) {
      expect(metrics).toMatch(
        new RegExp(
          `dfm_jobs_total\\{queue="replication",name="replicate",kind="${kind}",outcome="succeeded"\\} [1-9]`,
        ),
      );
      expect(metrics).toMatch(
        new RegExp(
          `dfm_job_duration_seconds_count\\{queue="replication",name="replicate",kind="${kind}"\\} [1-9]`,
        ),
      );
    }
  });

  it("a new lease time is replicated with Kea's own bounds, which config-set pins to the old one", async () => {
    // Every config-get + config-set leaves min/max-valid-lifetime equal to the lifetime of the day on both sides.
    const lifetimes = (valid: number): Record<string, number> => ({
      'valid-lifetime': valid,
      'min-valid-lifetime': valid,
      'max-valid-lifetime': valid,
    });
    await setSubnet(b, { ...officeSubnet(65), ...lifetimes(3600) });
    await setSubnet(a, { ...officeSubnet(65), ...lifetimes(7200) });
    const job = await replicate(scopeBody({ network: '10.65.0.0' }));
    expect(job['state']).toBe('succeeded');
    expect(await subnetOn(b, '10.65.0.0/24')).toMatchObject(lifetimes(7200));
  });

  const scopeState = (job: Record<string, unknown>, network: string): string | undefined =>
    (job['outcome'] as { scopes: Record<string, { state: string }> }).scopes[`${rel}/${network}`]?.state;

  it("carries a reservation's and an option's Kea settings the model does not hold, and sees them differ", async () => {
    await setSubnet(a, {
      ...officeSubnet(66),
      'option-data': [{ name: 'routers', data: '10.66.0.1', 'always-send': true }],
      reservations: [
        {
          'hw-address': '0a:00:00:00:00:66',
          'ip-address': '10.66.0.5',
          hostname: 'voip',
          'client-classes': ['voip'],
          'next-server': '10.66.0.9',
          'boot-file-name': 'phone.cfg',
          'user-context': { description: 'Desk phone', owner: 'telecom' },
          'option-data': [{ name: 'domain-name', data: 'voip.example', 'always-send': true }],
        },
      ],
    });
    const first = await replicate(scopeBody({ network: '10.66.0.0' }));
    expect(scopeState(first, '10.66.0.0')).toBe('replaced');
    const source = await subnetOn(a, '10.66.0.0/24');
    expect(source?.['reservations']).toMatchObject([
      { 'client-classes': ['voip'], 'next-server': '10.66.0.9', 'boot-file-name': 'phone.cfg' },
    ]);
    const copied = await subnetOn(b, '10.66.0.0/24');
    expect(copied?.['reservations']).toEqual(source?.['reservations']);
    expect(copied?.['option-data']).toEqual(source?.['option-data']);
    expect(scopeState(await replicate(scopeBody({ network: '10.66.0.0' })), '10.66.0.0')).toBe('unchanged');

    // Edited on the destination alone: the next replication sees the difference, says what it is, and undoes it.
    await setSubnet(b, {
      ...(copied as KeaSubnet),
      'option-data': [{ name: 'routers', data: '10.66.0.1', 'always-send': false }],
      reservations: (copied?.['reservations'] as Array<Record<string, unknown>>).map((reservation) => ({
        ...reservation,
        'client-classes': [],
      })),
    });
    const dry = await replicate(scopeBody({ network: '10.66.0.0', dryRun: true }));
    expect(scopeState(dry, '10.66.0.0')).toBe('would-replace');
    const details = await t.http
      .get(`/api/v1/jobs/${dry['id'] as string}?include=details`)
      .set(auth())
      .expect(200);
    expect(details.body.details.diffs[`${rel}/10.66.0.0`]).toMatchObject({
      options: { changed: [{ key: '3', after: { vendorExtras: { 'always-send': true } } }] },
      reservations: {
        changed: [{ key: '10.66.0.5', after: { vendorExtras: { 'client-classes': ['voip'] } } }],
      },
    });
    expect(scopeState(await replicate(scopeBody({ network: '10.66.0.0' })), '10.66.0.0')).toBe('replaced');
    const restored = await subnetOn(b, '10.66.0.0/24');
    expect(restored?.['reservations']).toEqual(source?.['reservations']);
    expect(restored?.['option-data']).toEqual(source?.['option-data']);
  });

  it('replicates reservations without an address (hardware address and host name only)', async () => {
    await setSubnet(a, {
      ...officeSubnet(67),
      reservations: [
        { 'hw-address': '0a:00:00:00:00:31', hostname: 'one' },
        { 'hw-address': '0a:00:00:00:00:32', hostname: 'two' },
      ],
    });
    const dry = await replicate(scopeBody({ network: '10.67.0.0', dryRun: true }));
    const details = await t.http
      .get(`/api/v1/jobs/${dry['id'] as string}?include=details`)
      .set(auth())
      .expect(200);
    const added = details.body.details.diffs[`${rel}/10.67.0.0`].reservations.added as Array<
      Record<string, unknown>
    >;
    expect(added).toEqual([
      { hardwareAddress: '0a:00:00:00:00:31', name: 'one', options: [] },
      { hardwareAddress: '0a:00:00:00:00:32', name: 'two', options: [] },
    ]);
    const job = await replicate(scopeBody({ network: '10.67.0.0' }));
    expect(job['state']).toBe('succeeded');
    expect(scopeState(job, '10.67.0.0')).toBe('replaced');
    const copied = (await subnetOn(b, '10.67.0.0/24'))?.['reservations'] as Array<Record<string, unknown>>;
    expect(copied).toEqual((await subnetOn(a, '10.67.0.0/24'))?.['reservations']);
    expect(copied.map((reservation) => [reservation['hw-address'], reservation['ip-address']])).toEqual([
      ['0a:00:00:00:00:31', undefined],
      ['0a:00:00:00:00:32', undefined],
    ]);
    expect(scopeState(await replicate(scopeBody({ network: '10.67.0.0' })), '10.67.0.0')).toBe('unchanged');
  });

  it("creates a subnet of a shared network inside the destination's shared network of that name", async () => {
    type Shared = { name: string; subnet4: KeaSubnet[]; [key: string]: unknown };
    const sharedOf = async (server: KeaServer): Promise<Shared[]> =>
      ((await server.dhcp4Config())['shared-networks'] as Shared[] | undefined) ?? [];
    const setShared = async (server: KeaServer, networks: Shared[]): Promise<void> => {
      const dhcp4 = await server.dhcp4Config();
      dhcp4['shared-networks'] = networks;
      const answer = await server.command('config-set', { Dhcp4: dhcp4 });
      if (answer.result !== 0) throw new Error(JSON.stringify(answer));
    };
    // Both have floor-4 (b with one subnet of it only); floor-3 is a's alone, with settings of its own.
    await setShared(a, [
      {
        name: 'floor-3',
        'option-data': [{ name: 'domain-name', data: 'floor3.example' }],
        subnet4: [officeSubnet(68)],
      },
      { name: 'floor-4', subnet4: [officeSubnet(69), officeSubnet(70)] },
    ]);
    await setShared(b, [{ name: 'floor-4', subnet4: [officeSubnet(70)] }]);

    for (const network of ['10.68.0.0', '10.69.0.0']) {
      expect(scopeState(await replicate(scopeBody({ network })), network)).toBe('replaced');
    }
    // config-get answers shared networks by name and their subnets by id.
    const names = (networks: Shared[]): Array<[string, string[]]> =>
      networks.map((shared) => [shared.name, shared.subnet4.map((subnet) => subnet.subnet)]);
    const onB = await sharedOf(b);
    expect(names(onB)).toEqual([
      ['floor-3', ['10.68.0.0/24']],
      ['floor-4', ['10.69.0.0/24', '10.70.0.0/24']],
    ]);
    expect(await subnetOn(b, '10.68.0.0/24')).toBeUndefined(); // not at the top level
    expect(onB.find((shared) => shared.name === 'floor-3')?.['option-data']).toEqual(
      (await sharedOf(a)).find((shared) => shared.name === 'floor-3')?.['option-data'],
    );
    for (const network of ['10.68.0.0', '10.69.0.0']) {
      expect(scopeState(await replicate(scopeBody({ network })), network)).toBe('unchanged');
    }
    // An existing subnet stays where it is: 10.70 replaced in floor-4 from a's copy.
    await setShared(a, [
      { name: 'floor-3', subnet4: [officeSubnet(68)] },
      { name: 'floor-4', subnet4: [officeSubnet(69), officeSubnet(70, '10.70.0.70')] },
    ]);
    expect(scopeState(await replicate(scopeBody({ network: '10.70.0.0' })), '10.70.0.0')).toBe('replaced');
    expect(names(await sharedOf(b))).toEqual(names(onB));
  });

  it('lists jobs by kind, relationship and server', async () => {
    const byRelationship = await t.http
      .get(`/api/v1/jobs?kind=relationship&relationshipId=${rel}`)
      .set(auth())
      .expect(200);
    expect(byRelationship.body.items.length).toBeGreaterThan(0);
    expect(
      byRelationship.body.items.every(
        (job: { request: { kind: string } }) => job.request.kind === 'relationship',
      ),
    ).toBe(true);
    const byServer = await t.http.get(`/api/v1/jobs?kind=scope&serverId=${idB}`).set(auth()).expect(200);
    expect(byServer.body.items.length).toBeGreaterThan(0);
    // A relationship or server replication names only its source: it is found by its destination and, for a
    // server replication, by the relationships it covers, too.
    for (const kind of ['relationship', 'server']) {
      const byDestination = await t.http
        .get(`/api/v1/jobs?kind=${kind}&serverId=${idB}`)
        .set(auth())
        .expect(200);
      expect(byDestination.body.total).toBeGreaterThan(0);
      const covering = await t.http
        .get(`/api/v1/jobs?kind=${kind}&relationshipId=${rel}`)
        .set(auth())
        .expect(200);
      expect(covering.body.total).toBeGreaterThan(0);
    }
    const none = await t.http
      .get(`/api/v1/jobs?serverId=00000000-0000-4000-8000-000000000009`)
      .set(auth())
      .expect(200);
    expect(none.body.total).toBe(0);
  });

  it('a destination that is down fails its scopes clearly after bounded retries, and the API stays responsive', async () => {
    const [c, d] = [await kea.start(), await kea.start()];
    const [idC, idD] = [await kea.register(c), await kea.register(d)];
    const pair = (await kea.createRelationship(idC, idD)).body.id as string;
    process.kill(d.dhcp4Pid, 'SIGKILL'); // its agent still answers, the daemon behind it does not
    const accepted = await t.http
      .post('/api/v1/replications')
      .set(auth())
      .send({ kind: 'relationship', sourceServerId: idC, relationshipId: pair })
      .expect(202);
    const health = await t.http.get('/health').expect(200);
    expect(health.body.status).toBe('ok');
    const job = await waitForJob(t, accepted.body.id as string, t.adminKey, 80_000);
    expect(job).toMatchObject({ state: 'failed', attempts: 5 });
    const outcomes = Object.values(job.outcome.scopes ?? {});
    // One failure per scope of the source (the default config has two subnets), each with the reason.
    expect(outcomes.length).toBe(((await c.dhcp4Config())['subnet4'] as unknown[]).length);
    for (const outcome of outcomes) {
      expect(outcome.state).toBe('failed');
      expect(outcome.reason).toMatch(/did not answer|Cannot reach|unreachable/i);
    }
  }, 90_000);

  it('a scope whose subnet id the destination gives another subnet fails with the reason, and is not created under another id', async () => {
    await setSubnet(a, { ...officeSubnet(63), id: 63 });
    await setSubnet(b, { ...officeSubnet(64), id: 63 });
    try {
      for (const dryRun of [true, false]) {
        const job = await replicate(scopeBody({ network: '10.63.0.0', dryRun }));
        const outcome = (job['outcome'] as { scopes: Record<string, { state: string; reason?: string }> })
          .scopes[`${rel}/10.63.0.0`];
        expect(outcome.state).toBe('failed');
        expect(outcome.reason).toContain('subnet id 63');
        expect(outcome.reason).toContain('10.64.0.0/24');
        expect(await subnetOn(b, '10.63.0.0/24')).toBeUndefined();
      }
    } finally {
      for (const server of [a, b]) {
        const dhcp4 = await server.dhcp4Config();
        dhcp4['subnet4'] = (dhcp4['subnet4'] as KeaSubnet[]).filter(
          (subnet) => !['10.63.0.0/24', '10.64.0.0/24'].includes(subnet.subnet),
        );
        await server.command('config-set', { Dhcp4: dhcp4 });
      }
    }
  });

  it('rejects malformed requests with field errors', async () => {
    const bad = await t.http
      .post('/api/v1/replications')
      .set(auth())
      .send({ kind: 'scope', sourceServerId: idA })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'network',
      'relationshipId',
    ]);
    const stranger = await t.http
      .post('/api/v1/replications')
      .set(auth())
      .send({
        kind: 'relationship',
        sourceServerId: '00000000-0000-4000-8000-000000000001',
        relationshipId: rel,
      })
      .expect(400);
    expect(stranger.body.errors[0].field).toBe('sourceServerId');
  });
});
