/**
 * Kea relationships at their edges, on real Kea 2.2: two PATCHes at once (each merges into what the other left, and
 * one whose If-Match went stale while it waited for the servers is a 412 that writes neither server), and a partner
 * that failed for good (removed with skipUnreachable, so that it can be unregistered).
 */
import { DataSource } from 'typeorm';
import { agentInFront, FAST_HA, KeaEstate } from '../support/kea/kea-estate.js';
import type { KeaServer } from '../support/kea/kea-server.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

type HaHook = { library: string; parameters?: { 'high-availability': Array<Record<string, unknown>> } };

describe('Kea relationships: concurrent PATCHes, a partner gone for good', () => {
  let t: TestApp;
  let kea: KeaEstate;
  const closers: Array<() => Promise<void>> = [];
  const auth = (): { Authorization: string } => bearer(t.adminKey);

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    kea = new KeaEstate(t);
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await kea.stopAll();
    await t.close();
  });

  const haOf = async (server: KeaServer): Promise<Record<string, unknown>> =>
    ((await server.dhcp4Config())['hooks-libraries'] as HaHook[]).find((hook) =>
      hook.library.endsWith('libdhcp_ha.so'),
    )!.parameters!['high-availability'][0];

  /** Two servers registered behind agents that count the config-sets they forward. */
  async function countedPair(): Promise<{ servers: KeaServer[]; ids: string[]; configSets: number[] }> {
    const servers = [await kea.start(), await kea.start()];
    const configSets = [0, 0];
    const ids: string[] = [];
    for (const [i, server] of servers.entries()) {
      const front = await agentInFront(server, (command) => {
        if (command === 'config-set') configSets[i]++;
        return Promise.resolve(undefined);
      });
      closers.push(() => front.close());
      ids.push(await kea.register(server, { url: front.url }));
    }
    return { servers, ids, configSets };
  }

  it('two PATCHes at once without If-Match: both changes reach the record and both servers', async () => {
    const { servers, ids } = await countedPair();
    const created = await kea.createRelationship(ids[0], ids[1]);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const answers = await Promise.all([
      t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { heartbeatDelay: 2000 } }),
      t.http
        .patch(`/api/v1/relationships/${id}`)
        .set(auth())
        .send({ settings: { maxAckDelay: 2000 } }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const after = await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(200);
    expect(after.body.settings).toEqual({ ...FAST_HA, heartbeatDelay: 2000, maxAckDelay: 2000 });
    for (const server of servers) {
      expect(await haOf(server)).toMatchObject({ 'heartbeat-delay': 2000, 'max-ack-delay': 2000 });
    }
  });

  it('two PATCHes at once with the same If-Match: one is applied, the other is a 412 that writes no server', async () => {
    const { servers, ids, configSets } = await countedPair();
    const created = await kea.createRelationship(ids[0], ids[1]);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const etag: string = created.headers['etag'];
    configSets.fill(0);
    const answers = await Promise.all(
      [{ heartbeatDelay: 2000 }, { maxAckDelay: 2000 }].map((settings) =>
        t.http.patch(`/api/v1/relationships/${id}`).set(auth()).set('If-Match', etag).send({ settings }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 412]);
    const applied = answers.find((answer) => answer.status === 200)!;
    // One config-set per server: the winner's; the 412 neither wrote nor undid anything.
    expect(configSets).toEqual([1, 1]);
    for (const server of servers) {
      expect(await haOf(server)).toMatchObject({
        'heartbeat-delay': applied.body.settings.heartbeatDelay,
        'max-ack-delay': applied.body.settings.maxAckDelay,
      });
    }
  });

  it('a partner gone for good: DELETE is a 502 that changes nothing, with skipUnreachable HA comes off the other and the record goes', async () => {
    const [a, b] = [await kea.start(), await kea.start()];
    const [idA, idB] = [await kea.register(a), await kea.register(b)];
    const created = await kea.createRelationship(idA, idB);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    process.kill(b.dhcp4Pid, 'SIGKILL');
    const refused = await t.http.delete(`/api/v1/relationships/${id}`).set(auth()).expect(502);
    expect(refused.body.failedServerId).toBe(idB);
    expect(await haOf(a)).toBeDefined();
    // The partner cannot be unregistered while the relationship stands.
    await t.http.delete(`/api/v1/servers/${idB}`).set(auth()).expect(409);

    const removed = await t.http
      .delete(`/api/v1/relationships/${id}?skipUnreachable=true`)
      .set(auth())
      .expect(200);
    expect(removed.body.servers).toEqual([
      { serverId: idA, failoverRemoved: true, scopesKept: true },
      {
        serverId: idB,
        failoverRemoved: false,
        scopesKept: true,
        unreachable: expect.stringContaining('did not answer config-get'),
      },
    ]);
    expect(removed.body.detail).toContain(
      `${b.name} could not be reached and keeps its failover configuration`,
    );
    const hooks = ((await a.dhcp4Config())['hooks-libraries'] as HaHook[]).map((hook) => hook.library);
    expect(hooks.some((library) => library.endsWith('libdhcp_ha.so'))).toBe(false);
    await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(404);
    const events: Array<{ details: { servers: Array<Record<string, unknown>> } }> = await t.app
      .get(DataSource)
      .query(`SELECT details FROM audit_events WHERE target_id = $1 AND action = 'relationship.deleted'`, [
        id,
      ]);
    const [event] = events;
    expect(event.details.servers[1]).toMatchObject({ unreachable: expect.any(String) });
    await t.http.delete(`/api/v1/servers/${idB}`).set(auth()).expect(204);
  });

  it("a null setting in a create is the setting's default: not recorded as null", async () => {
    const [a, b] = [await kea.start(), await kea.start()];
    const [idA, idB] = [await kea.register(a), await kea.register(b)];
    const created = await kea.createRelationship(idA, idB, { settings: { ...FAST_HA, syncTimeout: null } });
    expect(created.status).toBe(201);
    expect(created.body.settings).toEqual(FAST_HA);
    const read = await t.http.get(`/api/v1/relationships/${created.body.id}`).set(auth()).expect(200);
    expect(read.body.settings).toEqual(FAST_HA);
    expect(await haOf(a)).toMatchObject({ 'sync-timeout': 60000 });
  });
});
