/**
 * An ISC relationship's whole life through the API, as an engineer with a mixed estate lives it: one server reached
 * over `local`, its partner over a real sshd, both validated by the real `dhcpd -t`. Created, changed (timers, split,
 * ports reaching both files), replicated by server, and removed with a second, hand-written peer left in place; and a
 * replication whose restart fails on the destination.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { uniqueName } from '../support/fixtures.js';
import { dhcpdAccepts, mainConf, SUBNETS_CONF } from '../support/isc/dhcpd-files.js';
import {
  type IscEstate,
  type IscServerFiles,
  startIscEstate,
  stopIscEstate,
} from '../support/isc/isc-estate.js';
import { replicate } from '../support/jobs.js';
import { startSshd } from '../support/sshd.js';
import { bearer, type TestApp } from '../support/test-app.js';

/** Two subnets, one in a shared-network, each with a bare range; a host declared outside any subnet. */
const SUBNETS = `shared-network lab {
  subnet 198.51.100.0 netmask 255.255.255.0 {
    option routers 198.51.100.1;
    range 198.51.100.10 198.51.100.99;
  }
}

subnet 192.0.2.0 netmask 255.255.255.0 {
  range 192.0.2.100 192.0.2.199;
  option routers 192.0.2.1;
}

host cam1 {
  hardware ethernet 0a:00:00:00:00:31;
  fixed-address 192.0.2.31;
}
`;

describe('an ISC relationship between a local and an ssh server, from creation to removal', () => {
  let t: TestApp;
  let isc: IscEstate;
  const auth = (): { Authorization: string } => bearer(t.adminKey);

  beforeAll(async () => {
    ({ t, isc } = await startIscEstate());
  });
  afterAll(() => stopIscEstate(t, isc));

  const create = async (idA: string, idB: string, name = uniqueName('isc-rel')) =>
    (
      await t.http
        .post('/api/v1/relationships')
        .set(auth())
        .send({
          name,
          vendor: 'isc',
          mode: 'load-balancing',
          servers: [
            { serverId: idA, role: 'primary', settings: { address: '127.0.0.1' } },
            { serverId: idB, role: 'secondary', settings: { address: '127.0.0.2' } },
          ],
        })
        .expect(201)
    ).body as { id: string; etag?: string };

  it('a PATCH of timers, split and a port reaches both files; a server replication copies every failover scope', async () => {
    const a = await isc.files({ main: mainConf, include: SUBNETS });
    const b = await isc.files({ main: mainConf, include: SUBNETS });
    const [idA, idB] = [await isc.register(a, 'local'), await isc.register(b, 'ssh')];
    const name = uniqueName('isc-rel');
    const rel = await create(idA, idB, name);

    await t.http
      .patch(`/api/v1/relationships/${rel.id}`)
      .set(auth())
      .send({
        settings: { mclt: 900, split: 200, maxResponseDelay: 30 },
        servers: [
          { serverId: idA, role: 'primary', settings: { port: 7647 } },
          { serverId: idB, role: 'secondary' },
        ],
      })
      .expect(200);
    const [mainA, mainB] = [await a.main(), await b.main()];
    expect(mainA).toContain('  port 7647;\n');
    expect(mainA).toContain('  mclt 900;\n');
    expect(mainA).toContain('  split 200;\n');
    expect(mainA).toContain('  max-response-delay 30;\n');
    expect(mainB).toContain('  peer port 7647;\n');
    expect(mainB).toContain('  max-response-delay 30;\n');
    expect(mainB).not.toMatch(/mclt|split/);
    await dhcpdAccepts(a);
    await dhcpdAccepts(b);

    // A changes its gateways and its host by hand; a replication of the server's failover scopes carries both.
    await writeFile(
      a.includePath,
      (await a.include())
        .replace('option routers 198.51.100.1;', 'option routers 198.51.100.254;')
        .replace('option routers 192.0.2.1;', 'option routers 192.0.2.254;'),
    );
    const restarts = (await b.restarts()).length;
    const job = await replicate(t, { kind: 'server', sourceServerId: idA });
    expect(job.state).toBe('succeeded');
    expect(
      Object.fromEntries(Object.entries(job.outcome.scopes ?? {}).map(([key, value]) => [key, value.state])),
    ).toEqual({
      [`${rel.id}/198.51.100.0`]: 'replaced',
      [`${rel.id}/192.0.2.0`]: 'replaced',
    });
    expect((await b.restarts()).length).toBe(restarts + 1);
    const include = await b.include();
    expect(include).toContain('option routers 198.51.100.254;');
    expect(include).toContain('option routers 192.0.2.254;');
    expect(include.match(/failover peer/g)?.length).toBe(2);
    await dhcpdAccepts(b);
  });

  it('a replication whose restart fails on the destination leaves its previous file live and names both restarts', async () => {
    const a = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const b = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const [idA, idB] = [await isc.register(a, 'ssh'), await isc.register(b, 'local')];
    const rel = await create(idA, idB);
    await writeFile(a.includePath, (await a.include()).replace('192.0.2.1;', '192.0.2.254;'));
    const [main, include] = [await b.main(), await b.include()];
    await b.failAllRestarts();
    const job = await replicate(t, {
      kind: 'scope',
      sourceServerId: idA,
      relationshipId: rel.id,
      network: '192.0.2.0',
    });
    expect(job.state).toBe('failed');
    const outcome = job.outcome.scopes?.[`${rel.id}/192.0.2.0`];
    expect(outcome?.state).toBe('failed');
    expect(outcome?.reason).toContain('restart after the change failed');
    expect(outcome?.reason).toContain('the previous configuration was restored');
    expect(outcome?.reason).toContain('the restart after restoring failed too');
    expect(outcome?.reason).toMatch(/restart after restore: .* exit code 1\ndhcpd: Address already in use/);
    expect((await b.restarts()).map((line) => line.split(' ')[0])).toEqual(['ok', 'fail', 'fail']);
    expect([await b.main(), await b.include()]).toEqual([main, include]);
    expect(await b.leftovers()).toEqual([]);
  });

  it('a replication whose failed restart cannot be undone is audited as written, and its scope says the new file is live', async () => {
    const a = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const b = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const [idA, idB] = [await isc.register(a, 'ssh'), await isc.register(b, 'local')];
    const rel = await create(idA, idB);
    // From now on B's restart fails and takes its directory away, so the restore cannot write the old file back.
    const moved = `${b.dir}.moved`;
    await t.http
      .patch(`/api/v1/servers/${idB}`)
      .set(auth())
      .send({ connection: { restartCommand: `mv '${b.dir}' '${moved}'; exit 1` } })
      .expect(200);
    await writeFile(a.includePath, (await a.include()).replace('192.0.2.1;', '192.0.2.254;'));
    try {
      const job = await replicate(t, {
        kind: 'scope',
        sourceServerId: idA,
        relationshipId: rel.id,
        network: '192.0.2.0',
      });
      expect(job.state).toBe('failed');
      const outcome = job.outcome.scopes?.[`${rel.id}/192.0.2.0`];
      expect(outcome?.state).toBe('failed');
      expect(outcome?.reason).toContain('the new configuration is live');
      const written: Array<{ correlation_id: string; details: Record<string, unknown> }> = await t.app
        .get(DataSource)
        .query(
          `SELECT correlation_id, details FROM audit_events WHERE action = 'replication.written' AND target_id = $1`,
          [idB],
        );
      expect(written).toEqual([
        {
          correlation_id: job.id,
          details: expect.objectContaining({ networks: ['192.0.2.0/24'], leftChanged: true }),
        },
      ]);
      expect(await readFile(`${moved}/subnets.conf`, 'utf8')).toContain('option routers 192.0.2.254;');
    } finally {
      await rename(moved, b.dir).catch(() => undefined);
    }
  });

  /** A primary declaration written by hand (not through this service), on its own port. */
  const handPeer = (name: string, port: number): string => `failover peer "${name}" {
  primary;
  address 127.0.0.1;
  port ${port};
  peer address 127.0.0.3;
  peer port ${port};
  max-response-delay 60;
  max-unacked-updates 10;
  mclt 600;
  split 128;
}
`;
  /** A subnet of its own whose pool names `peer` (dhcpd refuses a peer no pool names). */
  const handSubnet = (octet: number, peer: string): string => `subnet 10.${octet}.0.0 netmask 255.255.255.0 {
  pool {
    failover peer "${peer}";
    range 10.${octet}.0.10 10.${octet}.0.20;
  }
}
`;
  /** After the relationship, `files` gains peers and their subnets by hand; dhcpd -t still takes it. */
  const addByHand = async (files: IscServerFiles, peers: Array<[string, number]>): Promise<void> => {
    const declarations = peers.map(([name, octet]) => handPeer(name, 9600 + octet)).join('\n');
    await writeFile(files.configPath, (await files.main()).replace('include', `${declarations}\ninclude`));
    const subnets = peers.map(([name, octet]) => handSubnet(octet, name)).join('\n');
    await writeFile(files.includePath, `${await files.include()}\n${subnets}`);
    await dhcpdAccepts(files);
  };
  const poolPeers = async (serverId: string): Promise<Array<string | undefined>> =>
    (
      (await t.http.get(`/api/v1/servers/${serverId}/scopes/192.0.2.0`).set(auth()).expect(200)).body as {
        pools: Array<{ failoverPeer?: string }>;
      }
    ).pools.map((pool) => pool.failoverPeer);
  const deletedEvent = async (relationshipId: string): Promise<Record<string, unknown>> => {
    const [event]: Array<{ details: Record<string, unknown> }> = await t.app
      .get(DataSource)
      .query(`SELECT details FROM audit_events WHERE action = 'relationship.deleted' AND target_id = $1`, [
        relationshipId,
      ]);
    return event.details;
  };

  it("removing a relationship: a server with one other peer moves the pools to it, one with only the relationship's peer drops the references", async () => {
    const a = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const b = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const [idA, idB] = [await isc.register(a, 'local'), await isc.register(b, 'ssh')];
    const name = uniqueName('isc-rel');
    const rel = await create(idA, idB, name);
    await addByHand(a, [['legacy', 113]]);
    expect(await poolPeers(idA)).toEqual([name]);

    const answer = await t.http.delete(`/api/v1/relationships/${rel.id}`).set(auth()).expect(200);
    const scopes = ['192.0.2.0/24'];
    const moved = { name, outcome: 'references-moved', replacement: 'legacy', pools: 1, scopes };
    const removed = { name, outcome: 'references-removed', pools: 1, scopes };
    expect(answer.body.servers).toEqual([
      { serverId: idA, failoverRemoved: true, scopesKept: true, peer: moved },
      { serverId: idB, failoverRemoved: true, scopesKept: true, peer: removed },
    ]);
    expect(answer.body.detail).toContain(`1 pool(s) that named "${name}" refer to "legacy" now.`);
    // A: the hand-written peer and its subnet as they were; the relationship's pool names "legacy" now.
    const [mainA, includeA] = [await a.main(), await a.include()];
    expect(mainA).toContain(handPeer('legacy', 9713));
    expect(mainA).not.toContain(`"${name}"`);
    expect(includeA).toContain(handSubnet(113, 'legacy'));
    expect(await poolPeers(idA)).toEqual(['legacy']);
    await dhcpdAccepts(a);
    // B: its last peer, so the references are gone; the pool stays.
    expect(`${await b.main()}${await b.include()}`).not.toContain('failover');
    expect(await poolPeers(idB)).toEqual([undefined]);
    await dhcpdAccepts(b);
    expect((await deletedEvent(rel.id))['servers']).toMatchObject([
      { serverId: idA, peer: moved },
      { serverId: idB, peer: removed },
    ]);
  });

  it('removing a relationship whose servers have two other peers each: a 409 lists both choices and writes nothing; named, the pools move', async () => {
    const a = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const b = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const [idA, idB] = [await isc.register(a, 'local'), await isc.register(b, 'ssh')];
    const name = uniqueName('isc-rel');
    const rel = await create(idA, idB, name);
    await addByHand(a, [
      ['east', 21],
      ['west', 22],
    ]);
    await addByHand(b, [
      ['north', 31],
      ['south', 32],
    ]);
    const files = async () => [await a.main(), await a.include(), await b.main(), await b.include()];
    const before = await files();
    const restarts = [(await a.restarts()).length, (await b.restarts()).length];
    const unchanged = async (): Promise<void> => {
      expect(await files()).toEqual(before);
      expect([(await a.restarts()).length, (await b.restarts()).length]).toEqual(restarts);
    };

    const refused = await t.http.delete(`/api/v1/relationships/${rel.id}`).set(auth()).expect(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    const server = (serverId: string, choices: string[]) => ({
      serverId,
      serverName: expect.any(String),
      peer: name,
      choices,
      pools: 1,
      scopes: ['192.0.2.0/24'],
    });
    expect(refused.body).toMatchObject({
      type: 'urn:dfm:problem:conflict',
      replacements: [server(idA, ['east', 'west']), server(idB, ['north', 'south'])],
    });
    expect(refused.body.detail).toContain(`?replacement=${idA}:<peer> (one of "east", "west")`);
    expect(refused.body.detail).toContain(`?replacement=${idB}:<peer> (one of "north", "south")`);
    expect(refused.body.detail).toMatch(/Nothing was changed\.$/);
    await unchanged();

    // One server named: the other still needs its choice, and still nothing is written.
    const half = await t.http
      .delete(`/api/v1/relationships/${rel.id}?replacement=${idA}:west`)
      .set(auth())
      .expect(409);
    expect(half.body.replacements).toEqual([server(idB, ['north', 'south'])]);
    await unchanged();
    // A peer the server does not have is a 400 naming its peers; nothing is written.
    const wrong = await t.http
      .delete(`/api/v1/relationships/${rel.id}?replacement=${idA}:west&replacement=${idB}:east`)
      .set(auth())
      .expect(400);
    expect(wrong.body).toMatchObject({ failedServerId: idB, restored: [] });
    expect(wrong.body.errors).toEqual([
      { field: 'query.replacement', message: expect.stringContaining('"north", "south"') },
    ]);
    await unchanged();

    const done = await t.http
      .delete(`/api/v1/relationships/${rel.id}?replacement=${idA}:west&replacement=${idB}:south`)
      .set(auth())
      .expect(200);
    expect(done.body.servers.map((side: { peer: unknown }) => side.peer)).toMatchObject([
      { outcome: 'references-moved', replacement: 'west', pools: 1 },
      { outcome: 'references-moved', replacement: 'south', pools: 1 },
    ]);
    expect(await poolPeers(idA)).toEqual(['west']);
    expect(await poolPeers(idB)).toEqual(['south']);
    for (const files of [a, b]) {
      expect(`${await files.main()}${await files.include()}`).not.toContain(`"${name}"`);
      await dhcpdAccepts(files);
    }
    expect(await a.include()).toContain(handSubnet(21, 'east'));
    expect(await b.include()).toContain(handSubnet(31, 'north'));
    expect((await deletedEvent(rel.id))['servers']).toMatchObject([
      { serverId: idA, peer: { outcome: 'references-moved', replacement: 'west', scopes: ['192.0.2.0/24'] } },
      {
        serverId: idB,
        peer: { outcome: 'references-moved', replacement: 'south', scopes: ['192.0.2.0/24'] },
      },
    ]);
  });
});

describe('ISC relationship probes: partners that misbehave or differ', () => {
  let t: TestApp;
  let isc: IscEstate;
  const auth = (): { Authorization: string } => bearer(t.adminKey);

  beforeAll(async () => {
    ({ t, isc } = await startIscEstate());
  });
  afterAll(() => stopIscEstate(t, isc));

  const pairBody = (idA: string, idB: string) => ({
    name: uniqueName('isc-rel'),
    vendor: 'isc',
    mode: 'load-balancing',
    servers: [
      { serverId: idA, role: 'primary', settings: { address: '127.0.0.1' } },
      { serverId: idB, role: 'secondary', settings: { address: '127.0.0.2' } },
    ],
  });

  it('a partner whose sshd is down: the problem names that server, and nothing is written on the other', async () => {
    const a = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const b = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const gone = await startSshd({ name: 'isc-gone' });
    const idA = await isc.register(a, 'local');
    const idB = await isc.register(b, 'ssh', {
      host: gone.host,
      port: gone.port,
      hostKeyFingerprint: gone.hostKeyFingerprint,
      privateKey: gone.privateKey,
    });
    await gone.stop();
    const [main, include] = [await a.main(), await a.include()];
    const answer = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send(pairBody(idA, idB))
      .expect(502);
    const nameB = (await t.http.get(`/api/v1/servers/${idB}`).set(auth()).expect(200)).body.name as string;
    expect(answer.body).toMatchObject({
      type: 'urn:dfm:problem:server-unreachable',
      failedServerId: idB,
      restored: [],
    });
    expect(answer.body.detail).toBe(
      `${nameB}: ssh root@${gone.host}:${gone.port}: connect: cannot reach the host ` +
        `(connect ECONNREFUSED ${gone.host}:${gone.port}). Nothing was changed.`,
    );
    expect([await a.main(), await a.include()]).toEqual([main, include]);
  });

  it('a create whose second server fails to restart puts the first back, and the audit trail records both writes on the first', async () => {
    const a = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const b = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const [idA, idB] = [await isc.register(a, 'local'), await isc.register(b, 'ssh')];
    await b.failAllRestarts();
    const [main, include] = [await a.main(), await a.include()];
    const body = pairBody(idA, idB);
    const answer = await t.http.post('/api/v1/relationships').set(auth()).send(body).expect(422);
    expect(answer.body).toMatchObject({ failedServerId: idB, restored: [idA] });
    expect([await a.main(), await a.include()]).toEqual([main, include]);
    // A ran its restart twice: once with the peer, once restored. Both are changes made on A.
    expect((await a.restarts()).map((line) => line.split(' ')[0])).toEqual(['ok', 'ok']);
    const events: Array<{ action: string; details: Record<string, unknown> }> = await t.app
      .get(DataSource)
      .query(`SELECT action, details FROM audit_events WHERE target_id = $1 ORDER BY id`, [idA]);
    expect(events.filter((event) => event.action !== 'server.registered')).toEqual([
      {
        action: 'relationship.rolled-back',
        details: {
          operation: 'create',
          relationship: body.name,
          failedServerId: idB,
          restored: true,
          before: expect.stringMatching(/^sha256:/),
          after: expect.stringMatching(/^sha256:/),
        },
      },
    ]);
  });

  it('a PATCH whose second server is edited by hand during its check is a 409: that edit is kept, the first is put back', async () => {
    const a = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const b = await isc.files({ main: mainConf, include: SUBNETS_CONF, midWriteEdits: true });
    const [idA, idB] = [await isc.register(a, 'ssh'), await isc.register(b, 'local')];
    const body = pairBody(idA, idB);
    const rel = (await t.http.post('/api/v1/relationships').set(auth()).send(body).expect(201)).body as {
      id: string;
    };
    const [mainA, includeA, mainB] = [await a.main(), await a.include(), await b.main()];
    await b.editDuringNextCheck('# edited by hand during the write\n');
    const answer = await t.http
      .patch(`/api/v1/relationships/${rel.id}`)
      .set(auth())
      .send({ settings: { maxResponseDelay: 45 } })
      .expect(409);
    expect(answer.body).toMatchObject({ driverError: 'conflict', failedServerId: idB, restored: [idA] });
    expect([await a.main(), await a.include()]).toEqual([mainA, includeA]);
    expect(await b.main()).toBe(`${mainB}# edited by hand during the write\n`);
    expect(await b.leftovers()).toEqual([]);
    const events: Array<{ details: Record<string, unknown> }> = await t.app
      .get(DataSource)
      .query(
        `SELECT details FROM audit_events WHERE target_id = $1 AND action = 'relationship.rolled-back'`,
        [idA],
      );
    expect(events.map((event) => event.details)).toMatchObject([
      { operation: 'update', relationship: body.name, failedServerId: idB, restored: true },
    ]);
    // The record still holds what the servers have: the next PATCH writes both.
    await t.http
      .patch(`/api/v1/relationships/${rel.id}`)
      .set(auth())
      .send({ settings: { maxResponseDelay: 45 } })
      .expect(200);
    expect(await a.main()).toContain('max-response-delay 45;');
    expect(await b.main()).toContain('max-response-delay 45;');
    expect(await b.main()).toContain('# edited by hand during the write');
    await dhcpdAccepts(a);
    await dhcpdAccepts(b);
  });

  it('a first server whose failed restart cannot be undone is said to be left changed, not "Nothing was changed"', async () => {
    const a = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const b = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    // The restart fails and takes the configuration's directory away with it, so the restore cannot write it back.
    const moved = `${a.dir}.moved`;
    const idA = await isc.register(a, 'local', { restartCommand: `mv '${a.dir}' '${moved}'; exit 1` });
    const idB = await isc.register(b, 'ssh');
    try {
      const answer = await t.http
        .post('/api/v1/relationships')
        .set(auth())
        .send(pairBody(idA, idB))
        .expect(422);
      expect(answer.body).toMatchObject({ failedServerId: idA, restored: [] });
      expect(answer.body.detail).toContain('the new configuration is live');
      expect(answer.body.detail).toMatch(/may be left changed; check it by hand\.$/);
      expect(answer.body.detail).not.toContain('Nothing was changed');
      expect(await b.restarts()).toEqual([]);
    } finally {
      await rename(moved, a.dir).catch(() => undefined);
    }
  });

  it('two sides given one failover endpoint are a 400 naming the setting, on create and on PATCH; nothing is written', async () => {
    const a = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const b = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const [idA, idB] = [await isc.register(a, 'local'), await isc.register(b, 'ssh')];
    const same = { address: '127.0.0.5', port: 700 };
    const refused = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        ...pairBody(idA, idB),
        servers: [
          { serverId: idA, role: 'primary', settings: same },
          { serverId: idB, role: 'secondary', settings: { address: '127.0.0.5', port: 700 } },
        ],
      })
      .expect(400);
    expect(refused.body.errors).toEqual([
      { field: 'servers[1].settings.address', message: expect.stringContaining('127.0.0.5:700') },
    ]);
    expect([await a.main(), await b.main()]).toEqual([mainConf(a.includePath), mainConf(b.includePath)]);

    const rel = (await t.http.post('/api/v1/relationships').set(auth()).send(pairBody(idA, idB)).expect(201))
      .body as { id: string };
    const [mainA, mainB] = [await a.main(), await b.main()];
    // B's port moved to A's: the two declarations would both listen on 127.0.0.1:647 and connect to themselves.
    const patched = await t.http
      .patch(`/api/v1/relationships/${rel.id}`)
      .set(auth())
      .send({
        servers: [
          { serverId: idA, role: 'primary' },
          { serverId: idB, role: 'secondary', settings: { address: '127.0.0.1' } },
        ],
      })
      .expect(400);
    expect(patched.body.errors).toEqual([
      { field: 'servers[1].settings.address', message: expect.stringContaining('127.0.0.1:647') },
    ]);
    expect([await a.main(), await b.main()]).toEqual([mainA, mainB]);
  });

  it('state without OMAPI still tells a server that cannot be reached, and one whose peer is gone, from one that is up', async () => {
    const a = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const b = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const [sshdA, sshdB] = [
      await startSshd({ name: 'isc-state-a' }),
      await startSshd({ name: 'isc-state-b' }),
    ];
    try {
      const through = (sshd: typeof sshdA) => ({
        host: sshd.host,
        port: sshd.port,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
        privateKey: sshd.privateKey,
      });
      const [idA, idB] = [
        await isc.register(a, 'ssh', through(sshdA)),
        await isc.register(b, 'ssh', through(sshdB)),
      ];
      const body = pairBody(idA, idB);
      const rel = (await t.http.post('/api/v1/relationships').set(auth()).send(body).expect(201)).body as {
        id: string;
      };
      const state = async () =>
        (await t.http.get(`/api/v1/relationships/${rel.id}/state`).set(auth()).expect(200)).body as {
          status: string;
          servers: Array<{ serverId: string; reachable: boolean; error?: string }>;
        };

      // A's peer renamed by hand (pools too, so dhcpd still takes the file): the relationship's peer is gone there.
      const renamed = (text: string) => text.replaceAll(`"${body.name}"`, '"renamed-by-hand"');
      await writeFile(a.configPath, renamed(await a.main()));
      await writeFile(a.includePath, renamed(await a.include()));
      await dhcpdAccepts(a);
      const renamedState = await state();
      const [gone, up] = renamedState.servers;
      // A peer missing is a fault, whatever the partner (whose state cannot be known without OMAPI) says.
      expect(renamedState.status).toBe('impaired');
      expect(gone).toMatchObject({ serverId: idA, reachable: true, knowable: true });
      expect(gone.error).toContain(`no failover peer "${body.name}"`);
      expect(up).toMatchObject({ serverId: idB, reachable: true, knowable: false });
      expect(up.error).toMatch(/cannot be known: dhcpd reports it only over OMAPI/);

      await sshdB.stop();
      const partnerDown = await state();
      expect(partnerDown.status).toBe('impaired');
      expect(partnerDown.servers[1]).toMatchObject({ serverId: idB, reachable: false });
      expect(partnerDown.servers[1].error).toContain('cannot reach the host');

      await sshdA.stop();
      const bothDown = await state();
      expect(bothDown.status).toBe('down');
      expect(bothDown.servers.map((server) => server.reachable)).toEqual([false, false]);
    } finally {
      await sshdA.stop();
      await sshdB.stop();
    }
  });

  it('a server replication: its dry run writes nothing and its diffs say what the run does; a subnet of a shared-network and a global host the destination lacks arrive', async () => {
    const SRC = `shared-network lab {
  option domain-name "lab.example";
  subnet 198.51.100.0 netmask 255.255.255.0 {
    option routers 198.51.100.1;
    range 198.51.100.10 198.51.100.99;
  }
}

subnet 192.0.2.0 netmask 255.255.255.0 {
  range 192.0.2.100 192.0.2.199;
  option routers 192.0.2.1;
}

host cam1 {
  hardware ethernet 0a:00:00:00:00:31;
  fixed-address 192.0.2.31;
}
host lab1 {
  hardware ethernet 0a:00:00:00:00:41;
  fixed-address 198.51.100.41;
}
`;
    const DST = `subnet 192.0.2.0 netmask 255.255.255.0 {
  range 192.0.2.100 192.0.2.150;
  option routers 192.0.2.1;
}
`;
    const a = await isc.files({ main: mainConf, include: SRC });
    const b = await isc.files({ main: mainConf, include: DST });
    const [idA, idB] = [await isc.register(a, 'ssh'), await isc.register(b, 'local')];
    const body = pairBody(idA, idB);
    const created0 = await t.http.post('/api/v1/relationships').set(auth()).send(body).expect(201);
    const rel = { id: created0.body.id as string, peerName: body.name };
    const before = [await b.main(), await b.include()];
    const dry = await replicate(t, { kind: 'server', sourceServerId: idA, dryRun: true });
    expect([await b.main(), await b.include()]).toEqual(before);
    const states = (job: typeof dry) =>
      Object.fromEntries(Object.entries(job.outcome.scopes ?? {}).map(([key, value]) => [key, value.state]));
    expect(states(dry)).toEqual({
      [`${rel.id}/192.0.2.0`]: 'would-replace',
      [`${rel.id}/198.51.100.0`]: 'would-replace',
    });
    const details = await t.http.get(`/api/v1/jobs/${dry.id}?include=details`).set(auth()).expect(200);
    const diffs = details.body.details.diffs as Record<string, Record<string, unknown>>;
    // The global host counts for the subnet holding its address; the subnet B lacks is created.
    expect(diffs[`${rel.id}/192.0.2.0`]).toMatchObject({
      created: false,
      reservations: { added: [{ address: '192.0.2.31', name: 'cam1' }], removed: [], changed: [] },
      pools: { added: [{ start: '192.0.2.100', end: '192.0.2.199' }], removed: [{ end: '192.0.2.150' }] },
    });
    expect(diffs[`${rel.id}/198.51.100.0`]).toMatchObject({
      created: true,
      reservations: { added: [{ address: '198.51.100.41', name: 'lab1' }] },
    });

    const job = await replicate(t, { kind: 'server', sourceServerId: idA });
    expect(states(job)).toEqual({
      [`${rel.id}/192.0.2.0`]: 'replaced',
      [`${rel.id}/198.51.100.0`]: 'replaced',
    });
    await dhcpdAccepts(b);
    const created = await t.http.get(`/api/v1/servers/${idB}/scopes/198.51.100.0`).set(auth()).expect(200);
    expect(created.body).toMatchObject({
      pools: [{ start: '198.51.100.10', end: '198.51.100.99', failoverPeer: rel.peerName }],
      reservations: [{ address: '198.51.100.41', name: 'lab1' }],
    });
    const again = await replicate(t, { kind: 'server', sourceServerId: idA, dryRun: true });
    expect(Object.values(states(again))).toEqual(['unchanged', 'unchanged']);
  });
});
