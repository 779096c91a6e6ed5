/**
 * Windows relationships at their edges, over sshd and the DhcpServer emulator: a DELETE of a relationship that is
 * `empty` while its first scope is being added (which makes it on both servers; slowed with the emulator's `delayMs`
 * fault) waits for that, and then finds it has a scope; a replication whose write stops part-way through a scope
 * (the emulator's `failCommand` fault) leaves an audit event naming that scope, since the server may hold part of it.
 */
import { DataSource } from 'typeorm';
import { uniqueName } from '../support/fixtures.js';
import { replicate } from '../support/jobs.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';
import { startWindowsEstate, type WindowsEstate } from '../support/windows/windows-estate.js';
import { registerWindows } from '../support/windows/windows-registry.js';

describe('Windows relationships: requests that cross, writes that stop part-way', () => {
  let t: TestApp;
  let estate: WindowsEstate;
  let ids: Record<string, string>;
  const auth = (): { Authorization: string } => bearer(t.adminKey);

  beforeAll(async () => {
    estate = await startWindowsEstate({ servers: [{ name: 'RACE1' }, { name: 'RACE2' }] });
    t = await startTestApp({ worker: true });
    ids = await registerWindows(t, estate, ['RACE1', 'RACE2']);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await estate?.stop();
  });

  /** Records a relationship of RACE1 and RACE2 (nothing on the servers until its first scope); answers its id. */
  async function createPair(name: string, mode = 'hot-standby'): Promise<string> {
    const created = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name,
        vendor: 'windows',
        mode,
        servers: [
          { serverId: ids['RACE1'], role: 'primary' },
          { serverId: ids['RACE2'], role: mode === 'hot-standby' ? 'standby' : 'secondary' },
        ],
      })
      .expect(201);
    return created.body.id as string;
  }

  /** Adds RACE1's scope `network` to relationship `id` (the first one makes the relationship on both servers). */
  async function addScope(id: string, network: string): Promise<void> {
    await t.http
      .post(`/api/v1/relationships/${id}/scopes`)
      .set(auth())
      .send({ network, sourceServerId: ids['RACE1'] })
      .expect(201);
  }

  /** Waits (bounded) until some request of this test's database holds a server's lock (an advisory lock). */
  async function untilAServerIsLocked(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const [{ held }]: Array<{ held: number }> = await t.app.get(DataSource).query(
        `SELECT count(*)::int AS held FROM pg_locks
          WHERE locktype = 'advisory' AND granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      if (held > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('no server lock was taken');
  }

  it('DELETE of an empty relationship while its first scope is added waits, then asks where the scope stays', async () => {
    await estate.seedScope('RACE1', {
      scopeId: '10.31.1.0',
      startRange: '10.31.1.10',
      endRange: '10.31.1.200',
    });
    const name = uniqueName('race');
    const id = await createPair(name, 'load-balancing');
    await estate.setFaults('RACE1', { delayMs: 1500 });
    const adding = t.http
      .post(`/api/v1/relationships/${id}/scopes`)
      .set(auth())
      .send({ network: '10.31.1.0', sourceServerId: ids['RACE1'] })
      .then((response) => response);
    await untilAServerIsLocked();
    const removing = await t.http.delete(`/api/v1/relationships/${id}`).set(auth());
    expect((await adding).status).toBe(201);
    await estate.setFaults('RACE1', {});
    // Not "it had no scope": the relationship is on both servers now, so its record stays until it is removed.
    expect(removing.status).toBe(400);
    expect(removing.body.errors[0].field).toBe('query.keepScopesOn');
    const record = await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(200);
    expect(record.body.status).not.toBe('empty');
    expect((await estate.serverState('RACE2')).relationships.map((r) => r.name)).toEqual([name]);
    await t.http
      .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['RACE1']}&otherCopies=delete`)
      .set(auth())
      .expect(200);
    expect((await estate.serverState('RACE2')).relationships).toEqual([]);
  });

  it('a replication write that stops part-way through a scope is audited with that scope, which the destination may partly hold', async () => {
    await estate.seedScope('RACE1', {
      scopeId: '10.32.1.0',
      startRange: '10.32.1.10',
      endRange: '10.32.1.200',
    });
    const id = await createPair(uniqueName('half'));
    await addScope(id, '10.32.1.0');
    // The source's scope gets a new name (written first) and a reservation (written last, and refused).
    await estate.update((state) => {
      state.servers['race1'].scopes['10.32.1.0'].name = 'renamed on the source';
    });
    await estate.seedReservation('RACE1', '10.32.1.0', {
      ipAddress: '10.32.1.50',
      clientId: 'aa-bb-cc-dd-ee-01',
    });
    await estate.setFaults('RACE2', {
      failCommand: { n: 1, code: 87, cmdlet: 'Add-DhcpServerv4Reservation' },
    });
    const job = await replicate(t, {
      kind: 'scope',
      sourceServerId: ids['RACE1'],
      relationshipId: id,
      network: '10.32.1.0',
      nativeReplication: false,
    });
    await estate.setFaults('RACE2', {});
    expect(job.state).toBe('failed');
    expect(job.outcome.scopes?.[`${id}/10.32.1.0`]?.['reason']).toContain('may be half-written');
    // The rename landed on the destination before the reservation failed: a change, so an audit event.
    expect((await estate.serverState('RACE2')).scopes['10.32.1.0'].name).toBe('renamed on the source');
    const events: Array<{ details: Record<string, unknown> }> = await t.app
      .get(DataSource)
      .query(
        `SELECT details FROM audit_events WHERE action = 'replication.written' AND correlation_id = $1`,
        [job.id],
      );
    expect(events.map((event) => event.details)).toEqual([
      expect.objectContaining({ networks: [], halfWritten: ['10.32.1.0'], partial: true }),
    ]);
  });

  it("skipUnreachable is for Kea only: a Windows removal deals with the partner's copies, so it is a 400", async () => {
    const id = await createPair(uniqueName('skip'));
    const refused = await t.http
      .delete(`/api/v1/relationships/${id}?skipUnreachable=true`)
      .set(auth())
      .expect(400);
    expect(refused.body.errors).toEqual([
      { field: 'query.skipUnreachable', message: expect.stringContaining('only a Kea relationship') },
    ]);
    await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(200);
    await t.http.delete(`/api/v1/relationships/${id}`).set(auth()).expect(200);
  });

  it('an adopted relationship with message authentication keeps saying so after a PATCH that does not touch the secret', async () => {
    await estate.seedScope('RACE1', {
      scopeId: '10.33.1.0',
      startRange: '10.33.1.10',
      endRange: '10.33.1.200',
    });
    const handMade = uniqueName('hand-auth');
    await estate.seedRelationship({
      name: handMade,
      primary: 'RACE1',
      secondary: 'RACE2',
      scopeIds: ['10.33.1.0'],
      sharedSecret: 'never-given-to-the-service',
    });
    const list = await t.http
      .get('/api/v1/relationships?vendor=windows&discover=true')
      .set(auth())
      .expect(200);
    const found = (list.body.items as Array<{ id: string; name: string }>).find((r) => r.name === handMade)!;
    const adopted = await t.http.post(`/api/v1/relationships/${found.id}/adopt`).set(auth()).expect(200);
    expect(adopted.body.settings.messageAuthentication).toBe(true);
    const patched = await t.http
      .patch(`/api/v1/relationships/${found.id}`)
      .set(auth())
      .send({ settings: { maxClientLeadTime: 7200 } })
      .expect(200);
    // The servers still authenticate their messages: the PATCH sent no secret and withdrew none.
    expect(
      (await estate.serverState('RACE1')).relationships.find((r) => r.name === handMade)?.enableAuth,
    ).toBe(true);
    expect(patched.body.settings).toMatchObject({ maxClientLeadTime: 7200, messageAuthentication: true });
    const read = await t.http.get(`/api/v1/relationships/${found.id}`).set(auth()).expect(200);
    expect(read.body.settings.messageAuthentication).toBe(true);
    await t.http
      .delete(`/api/v1/relationships/${found.id}?keepScopesOn=${ids['RACE1']}&otherCopies=delete`)
      .set(auth())
      .expect(200);
  });

  it('a removal refused part-way through disabling the copies is audited with the copies it made inactive', async () => {
    for (const scopeId of ['10.34.1.0', '10.34.2.0']) {
      await estate.seedScope('RACE1', {
        scopeId,
        startRange: scopeId.replace(/0$/, '10'),
        endRange: scopeId.replace(/0$/, '200'),
      });
    }
    const id = await createPair(uniqueName('partly'));
    for (const network of ['10.34.1.0', '10.34.2.0']) await addScope(id, network);
    await estate.setFaults('RACE2', { failCommand: { n: 2, code: 5, cmdlet: 'Set-DhcpServerv4Scope' } });
    await t.http
      .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['RACE1']}&otherCopies=disable`)
      .set(auth())
      .expect(502);
    await estate.setFaults('RACE2', {});
    const copies = (await estate.serverState('RACE2')).scopes;
    // One copy was made inactive before the other was refused; the relationship stays for a retry.
    expect([copies['10.34.1.0'].state, copies['10.34.2.0'].state].sort()).toEqual(['Active', 'InActive']);
    const events: Array<{ action: string; details: Record<string, unknown> }> = await t.app
      .get(DataSource)
      .query(`SELECT action, details FROM audit_events WHERE target_id = $1 ORDER BY at`, [id]);
    expect(events.at(-1)).toEqual({
      action: 'relationship.removal-incomplete',
      details: expect.objectContaining({
        keptOn: ids['RACE1'],
        otherCopies: 'disable',
        relationshipRemoved: false,
        copiesChanged: expect.arrayContaining(['10.34.1.0', '10.34.2.0']),
      }),
    });
    await t.http
      .delete(`/api/v1/relationships/${id}?keepScopesOn=${ids['RACE1']}&otherCopies=disable`)
      .set(auth())
      .expect(200);
  });
});
