/**
 * ISC relationships through the API: `failover peer` declarations written on both servers in one operation (over a
 * real sshd, validated by the real `dhcpd -t`), rolled back on the first when the second is refused, found when
 * written by hand and adopted, removed with every reference; and a real dhcpd pair in network namespaces that reaches
 * `normal` once POST /relationships has written the peers and run each server's restart command.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { uniqueName } from '../support/fixtures.js';
import { DHCPD_BIN, mainConf, SUBNETS_CONF, dhcpdAccepts } from '../support/isc/dhcpd-files.js';
import { type DhcpdPair, dhcpdConf, OMAPI_PORT, startDhcpdPair } from '../support/isc/dhcpd-server.js';
import {
  type IscEstate,
  type IscServerFiles,
  startIscEstate,
  stopIscEstate,
} from '../support/isc/isc-estate.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Valid on its own; with a failover peer declared, dhcpd -t refuses it: a dynamic-bootp range cannot take the peer
 * (left out of failover), so no pool refers to it.
 */
const SUBNETS_BOOTP = `subnet 192.0.2.0 netmask 255.255.255.0 {
  range dynamic-bootp 192.0.2.100 192.0.2.199;
}
`;

const handPeer = (o: {
  name: string;
  role: 'primary' | 'secondary';
  address: string;
  peerAddress: string;
}): string => `failover peer "${o.name}" {
  ${o.role};
  address ${o.address};
  port 647;
  peer address ${o.peerAddress};
  peer port 647;
  max-response-delay 30;
  max-unacked-updates 10;
${o.role === 'primary' ? '  mclt 600;\n  split 256;\n' : ''}  load balance max seconds 5;
}
`;

const handSubnets = (name: string): string => `subnet 192.0.2.0 netmask 255.255.255.0 {
  pool {
    failover peer "${name}";
    range 192.0.2.100 192.0.2.199;
  }
}
`;

describe('ISC relationships through the API, over a real sshd and the real dhcpd -t', () => {
  let t: TestApp;
  let isc: IscEstate;
  const auth = (): { Authorization: string } => bearer(t.adminKey);
  /** A hot-standby ISC relationship the API refuses as it is asked for: the 400 answer. */
  const refusedHotStandby = (servers: Array<Record<string, unknown>>, settings?: Record<string, unknown>) =>
    t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name: uniqueName('isc-bad'),
        vendor: 'isc',
        mode: 'hot-standby',
        servers,
        ...(settings ? { settings } : {}),
      })
      .expect(400);

  beforeAll(async () => {
    ({ t, isc } = await startIscEstate({ worker: false }));
  });
  afterAll(() => stopIscEstate(t, isc));

  const plain = (): Promise<IscServerFiles> => isc.files({ main: mainConf, include: SUBNETS_CONF });

  it('writes mirrored peers on both servers (MCLT and split on the primary), pools name them; state says plainly it cannot be known without OMAPI; remove takes every reference away', async () => {
    const [a, b] = [await plain(), await plain()];
    const [idA, idB] = [await isc.register(a), await isc.register(b)];
    const name = uniqueName('isc-rel');
    // dhcpd's failover endpoints are IPv4 addresses or host names: IPv6 is refused before any server is asked.
    const ipv6 = await refusedHotStandby([
      { serverId: idA, role: 'primary' },
      { serverId: idB, role: 'secondary', settings: { address: 'fe80::2' } },
    ]);
    expect(ipv6.body.errors).toEqual([
      { field: 'servers[1].settings.address', message: expect.stringContaining('no IPv6') },
    ]);

    const created = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name,
        vendor: 'isc',
        mode: 'load-balancing',
        servers: [
          { serverId: idA, role: 'primary', settings: { address: '127.0.0.1' } },
          { serverId: idB, role: 'secondary', settings: { address: '127.0.0.2', port: 847 } },
        ],
        settings: { mclt: 1800 },
      })
      .expect(201);
    expect(created.body).toMatchObject({
      vendor: 'isc',
      mode: 'load-balancing',
      discovered: false,
      // Its state is not asked yet.
      status: 'unknown',
      statusCheckedAt: null,
      servers: [
        { serverId: idA, role: 'primary', peerName: name },
        { serverId: idB, role: 'secondary', peerName: name },
      ],
    });

    const mainA = await a.main();
    expect(mainA).toContain(
      [
        `failover peer "${name}" {`,
        '  primary;',
        '  address 127.0.0.1;',
        '  port 647;',
        '  peer address 127.0.0.2;',
        '  peer port 847;',
        '  max-response-delay 60;',
        '  max-unacked-updates 10;',
        '  mclt 1800;',
        '  split 128;',
        '  load balance max seconds 3;',
        '}',
      ].join('\n'),
    );
    const mainB = await b.main();
    expect(mainB).toContain(
      [
        `failover peer "${name}" {`,
        '  secondary;',
        '  address 127.0.0.2;',
        '  port 847;',
        '  peer address 127.0.0.1;',
        '  peer port 647;',
        '  max-response-delay 60;',
        '  max-unacked-updates 10;',
        '  load balance max seconds 3;',
        '}',
      ].join('\n'),
    );
    expect(mainB).not.toMatch(/mclt|split/);
    // The peer is declared before the include that holds the pools; the bare range became a pool naming it.
    expect(mainA.indexOf('failover peer')).toBeLessThan(mainA.indexOf('include'));
    for (const files of [a, b]) {
      expect(await files.include()).toContain(
        `  pool {\n    failover peer "${name}";\n    range 192.0.2.100 192.0.2.199;\n  }`,
      );
      await dhcpdAccepts(files);
    }

    const state = await t.http.get(`/api/v1/relationships/${created.body.id}/state`).set(auth()).expect(200);
    // Without OMAPI the state cannot be known: said so, not called impaired.
    expect(state.body.status).toBe('unknown');
    for (const server of state.body.servers as Array<Record<string, unknown>>) {
      expect(server).toMatchObject({ reachable: true, knowable: false });
      expect(server['state']).toBeUndefined();
      expect(server['error']).toMatch(/cannot be known: dhcpd reports it only over OMAPI/);
    }
    // The recorded status filters the list.
    const byStatus = async (status: string): Promise<string[]> => {
      const listed = await t.http
        .get(`/api/v1/relationships?serverId=${idA}&status=${status}`)
        .set(auth())
        .expect(200);
      return (listed.body.items as Array<{ id: string }>).map((r) => r.id);
    };
    expect(await byStatus('unknown')).toEqual([created.body.id]);
    expect(await byStatus('impaired')).toEqual([]);
    const badStatus = await t.http.get('/api/v1/relationships?status=broken').set(auth()).expect(400);
    expect(badStatus.body.errors).toEqual([expect.objectContaining({ field: 'status' })]);

    // The relationship's peers are its own: changed or removed on one server through the peers API, the two sides
    // (and the relationship's record) would disagree.
    const [beforeA, beforeIncludeA] = [await a.main(), await a.include()];
    const refusals = [
      t.http.delete(`/api/v1/servers/${idA}/failover-peers/${name}`),
      t.http.patch(`/api/v1/servers/${idA}/failover-peers/${name}`).send({ maxResponseDelay: 30 }),
    ];
    for (const refusal of refusals) {
      const answer = await refusal.set(auth()).expect(409);
      expect(answer.body).toMatchObject({
        type: 'urn:dfm:problem:conflict',
        relationshipId: created.body.id,
        peer: name,
      });
      expect(answer.body.detail).toContain(`/api/v1/relationships/${created.body.id}`);
    }
    // A new peer taking the relationship's only scope would delete the relationship's peer with it.
    const taking = await t.http
      .post(`/api/v1/servers/${idA}/failover-peers`)
      .set(auth())
      .send({
        name: 'other',
        role: 'primary',
        address: '127.0.0.1',
        port: 747,
        peerAddress: '127.0.0.9',
        peerPort: 747,
        maxResponseDelay: 60,
        maxUnackedUpdates: 10,
        mclt: 600,
        split: 128,
        scopes: ['192.0.2.0'],
        confirmDeleteOldPeer: true,
      })
      .expect(409);
    expect(taking.body).toMatchObject({ relationshipId: created.body.id, peer: name });
    expect([await a.main(), await a.include()]).toEqual([beforeA, beforeIncludeA]);

    const removed = await t.http.delete(`/api/v1/relationships/${created.body.id}`).set(auth()).expect(200);
    // Each server's last peer: the references are removed (the seed's delete-peer rule).
    const peer = { name, outcome: 'references-removed', pools: 1, scopes: ['192.0.2.0/24'] };
    expect(removed.body.servers).toEqual([
      { serverId: idA, failoverRemoved: true, scopesKept: true, peer },
      { serverId: idB, failoverRemoved: true, scopesKept: true, peer },
    ]);
    for (const files of [a, b]) {
      expect(`${await files.main()}${await files.include()}`).not.toContain('failover');
      await dhcpdAccepts(files);
    }
  });

  it('hot-standby writes split 256 on the primary; settings out of range are 400 field errors', async () => {
    const [a, b] = [await plain(), await plain()];
    const [idA, idB] = [await isc.register(a), await isc.register(b)];
    const refused = await refusedHotStandby(
      [
        { serverId: idA, role: 'primary', settings: { autoFailover: true } },
        { serverId: idB, role: 'standby' },
      ],
      { mclt: 0, split: 128, peerName: 'has "quotes"', maxResponseDelay: -1 },
    );
    expect(refused.headers['content-type']).toContain('application/problem+json');
    const fields = (refused.body.errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(
      [
        'servers',
        'servers[0].settings.autoFailover',
        'settings.maxResponseDelay',
        'settings.mclt',
        'settings.peerName',
        'settings.split',
      ].sort(),
    );
    const splitRefused = await refusedHotStandby(
      [
        { serverId: idA, role: 'primary' },
        { serverId: idB, role: 'secondary' },
      ],
      { split: 128 },
    );
    expect(splitRefused.body.errors).toEqual([
      { field: 'settings.split', message: expect.stringContaining('split 256') },
    ]);

    const created = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name: uniqueName('isc-hs'),
        vendor: 'isc',
        mode: 'hot-standby',
        servers: [
          { serverId: idB, role: 'secondary', settings: { address: '127.0.0.2' } },
          { serverId: idA, role: 'primary', settings: { address: '127.0.0.1' } },
        ],
        settings: { peerName: 'dc1-hs' },
      })
      .expect(201);
    expect(await a.main()).toMatch(/failover peer "dc1-hs" \{\n {2}primary;[^}]*mclt 3600;\n {2}split 256;/);
    expect(await b.main()).toMatch(/failover peer "dc1-hs" \{\n {2}secondary;/);
    await t.http.delete(`/api/v1/relationships/${created.body.id}`).set(auth()).expect(200);
  });

  it('a server registered with an IPv6 address and no settings.address is a 400 naming that setting; nothing is written', async () => {
    const [a, b] = [await plain(), await plain()];
    const idA = await isc.register(a);
    // Reached over SSH as usual; only its registered (DHCP) address is IPv6.
    const registered = await t.http
      .post('/api/v1/servers')
      .set(auth())
      .send({ ...isc.body(b, 'ssh'), address: 'fe80::5' })
      .expect(201);
    const idB = registered.body.id as string;
    const before = [await a.main(), await a.include(), await b.main(), await b.include()];
    const refused = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name: uniqueName('isc-v6'),
        vendor: 'isc',
        mode: 'load-balancing',
        servers: [
          { serverId: idA, role: 'primary', settings: { address: '127.0.0.1' } },
          { serverId: idB, role: 'secondary' },
        ],
      })
      .expect(400);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({
      type: 'urn:dfm:problem:validation',
      errors: [
        {
          field: 'servers[1].settings.address',
          message: expect.stringContaining('registered with address fe80::5'),
        },
      ],
    });
    expect([await a.main(), await a.include(), await b.main(), await b.include()]).toEqual(before);
    expect([await a.restarts(), await b.restarts()]).toEqual([[], []]);
  });

  it('when dhcpd -t refuses the second server, the first is put back byte for byte and the caller gets dhcpd’s text', async () => {
    const a = await plain();
    const c = await isc.files({ main: mainConf, include: SUBNETS_BOOTP });
    const [idA, idC] = [await isc.register(a), await isc.register(c)];
    const [mainBefore, includeBefore] = [await a.main(), await a.include()];
    const [cMain, cInclude] = [await c.main(), await c.include()];
    const name = uniqueName('isc-rb');
    const refused = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name,
        vendor: 'isc',
        mode: 'load-balancing',
        servers: [
          { serverId: idA, role: 'primary', settings: { address: '127.0.0.1' } },
          { serverId: idC, role: 'secondary', settings: { address: '127.0.0.2' } },
        ],
      })
      .expect(422);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ failedServerId: idC, restored: [idA] });
    expect(refused.body.detail).toContain('was restored to the previous configuration');
    expect(JSON.stringify(refused.body)).toContain('has no referring pools');
    expect(await a.main()).toBe(mainBefore);
    expect(await a.include()).toBe(includeBefore);
    expect(await c.main()).toBe(cMain);
    expect(await c.include()).toBe(cInclude);
    const list = await t.http.get('/api/v1/relationships?discover=false').set(auth()).expect(200);
    expect((list.body.items as Array<{ name: string }>).map((r) => r.name)).not.toContain(name);
    expect(await a.leftovers()).toEqual([]);
  });

  it('finds peers written by hand on both servers, lists them as discovered, adopts them and removes them', async () => {
    const name = uniqueName('hand');
    const main = (peer: string) => (include: string) => `${peer}\ninclude "${include}";\n`;
    const d = await isc.files({
      main: main(handPeer({ name, role: 'primary', address: '127.0.0.1', peerAddress: '127.0.0.2' })),
      include: handSubnets(name),
    });
    const e = await isc.files({
      main: main(handPeer({ name, role: 'secondary', address: '127.0.0.2', peerAddress: '127.0.0.1' })),
      include: handSubnets(name),
    });
    await dhcpdAccepts(d);
    await dhcpdAccepts(e);
    // Registered secondary first: the discovered relationship still lists the primary first.
    const [idE, idD] = [await isc.register(e), await isc.register(d)];

    const listed = await t.http.get(`/api/v1/relationships?serverId=${idD}`).set(auth()).expect(200);
    expect(listed.body.items).toHaveLength(1);
    const found = listed.body.items[0];
    expect(found).toMatchObject({
      name,
      vendor: 'isc',
      mode: 'hot-standby',
      discovered: true,
      servers: [
        { serverId: idD, role: 'primary', peerName: name, settings: { address: '127.0.0.1', port: 647 } },
        { serverId: idE, role: 'secondary', peerName: name, settings: { address: '127.0.0.2', port: 647 } },
      ],
      settings: { peerName: name, mclt: 600, split: 256, maxResponseDelay: 30, loadBalanceMaxSeconds: 5 },
    });

    // Not managed yet: creating over it is refused, changing it asks for adoption first.
    const y = await plain();
    const clash = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name: uniqueName('isc-clash'),
        vendor: 'isc',
        mode: 'load-balancing',
        servers: [
          { serverId: idD, role: 'primary' },
          { serverId: await isc.register(y), role: 'secondary' },
        ],
      })
      .expect(409);
    expect(clash.body.detail).toContain(`(in "${name}", found on the servers: adopt or remove it first)`);
    await t.http.delete(`/api/v1/relationships/${found.id}`).set(auth()).expect(409);

    await t.http.post(`/api/v1/relationships/${found.id}/adopt`).set(auth()).expect(200);

    // Once adopted it can be changed: only the primary's mclt and split lines change; the secondary stays as it was.
    const [dBefore, eBefore] = [await d.main(), await e.main()];
    const renamed = await t.http
      .patch(`/api/v1/relationships/${found.id}`)
      .set(auth())
      .send({ settings: { peerName: 'other' } })
      .expect(400);
    expect(renamed.body.errors[0].field).toBe('settings.peerName');
    const patched = await t.http
      .patch(`/api/v1/relationships/${found.id}`)
      .set(auth())
      .send({ mode: 'load-balancing', settings: { mclt: 900, split: 128 } })
      .expect(200);
    expect(patched.body).toMatchObject({ mode: 'load-balancing', settings: { mclt: 900, split: 128 } });
    expect(await d.main()).toBe(
      dBefore.replace('mclt 600;', 'mclt 900;').replace('split 256;', 'split 128;'),
    );
    expect(await e.main()).toBe(eBefore);
    await dhcpdAccepts(d);

    await t.http.delete(`/api/v1/relationships/${found.id}`).set(auth()).expect(200);
    for (const files of [d, e]) {
      expect(`${await files.main()}${await files.include()}`).not.toContain('failover');
      await dhcpdAccepts(files);
    }
    const after = await t.http.get(`/api/v1/relationships?serverId=${idD}`).set(auth()).expect(200);
    expect(after.body.items).toEqual([]);
  });

  it('a PATCH of an adopted relationship changes only the statements asked for: an hba bitmap and an absent load balance max seconds stay', async () => {
    const name = uniqueName('hba');
    const hba = `  hba ${[...Array(8).fill('ff'), ...Array(24).fill('00')].join(':')};\n`;
    const main = (peer: string) => (include: string) => `${peer}\ninclude "${include}";\n`;
    const declared = (role: 'primary' | 'secondary', address: string, peerAddress: string): string =>
      handPeer({ name, role, address, peerAddress })
        .replace('  split 256;\n', hba)
        .replace('  load balance max seconds 5;\n', '');
    const d = await isc.files({
      main: main(declared('primary', '127.0.0.1', '127.0.0.2')),
      include: handSubnets(name),
    });
    const e = await isc.files({
      main: main(declared('secondary', '127.0.0.2', '127.0.0.1')),
      include: handSubnets(name),
    });
    await dhcpdAccepts(d);
    await dhcpdAccepts(e);
    const idD = await isc.register(d);
    await isc.register(e);
    const listed = await t.http.get(`/api/v1/relationships?serverId=${idD}`).set(auth()).expect(200);
    expect(listed.body.items).toHaveLength(1);
    const found = listed.body.items[0];
    expect(found).toMatchObject({ mode: 'load-balancing' }); // 64 of 256 buckets
    await t.http.post(`/api/v1/relationships/${found.id}/adopt`).set(auth()).expect(200);
    const [d0, e0] = [await d.main(), await e.main()];

    await t.http
      .patch(`/api/v1/relationships/${found.id}`)
      .set(auth())
      .send({ settings: { maxResponseDelay: 20 } })
      .expect(200);
    const [d1, e1] = [
      d0.replace('max-response-delay 30', 'max-response-delay 20'),
      e0.replace('max-response-delay 30', 'max-response-delay 20'),
    ];
    expect(await d.main()).toBe(d1);
    expect(await e.main()).toBe(e1);

    const patched = await t.http
      .patch(`/api/v1/relationships/${found.id}`)
      .set(auth())
      .send({ settings: { mclt: 1800 } })
      .expect(200);
    expect(patched.body.settings.loadBalanceMaxSeconds).toBeUndefined();
    expect(await d.main()).toBe(d1.replace('mclt 600', 'mclt 1800'));
    expect(await e.main()).toBe(e1);
    await dhcpdAccepts(d);
    await dhcpdAccepts(e);

    // A split asked for replaces the bitmap (dhcpd takes one or the other).
    await t.http
      .patch(`/api/v1/relationships/${found.id}`)
      .set(auth())
      .send({ settings: { split: 100 } })
      .expect(200);
    expect(await d.main()).toBe(d1.replace('mclt 600', 'mclt 1800').replace(hba, '  split 100;\n'));
    expect(await e.main()).toBe(e1);
    await dhcpdAccepts(d);
  });

  it('a PATCH of a managed relationship leaves pools kept out of failover since its creation as they are', async () => {
    const a = await plain();
    const b = await plain();
    const [idA, idB] = [await isc.register(a), await isc.register(b)];
    const created = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name: uniqueName('isc-kept'),
        vendor: 'isc',
        mode: 'load-balancing',
        servers: [
          { serverId: idA, role: 'primary', settings: { address: '127.0.0.1' } },
          { serverId: idB, role: 'secondary', settings: { address: '127.0.0.2' } },
        ],
      })
      .expect(201);
    // Added by an administrator afterwards, outside failover: a bare range on A, a dynamic-bootp pool on B.
    await writeFile(
      a.includePath,
      (await a.include()) +
        '# Not in failover.\nsubnet 10.5.0.0 netmask 255.255.255.0 {\n  range 10.5.0.10 10.5.0.99;\n}\n',
    );
    await writeFile(
      b.includePath,
      (await b.include()) +
        '# bootp, kept out of failover\nsubnet 10.6.0.0 netmask 255.255.255.0 {\n  pool {\n    range dynamic-bootp 10.6.0.100 10.6.0.199;\n  }\n}\n',
    );
    await dhcpdAccepts(a);
    await dhcpdAccepts(b);
    const [a0, b0, aInclude, bInclude] = [
      await a.main(),
      await b.main(),
      await a.include(),
      await b.include(),
    ];
    const patched = await t.http
      .patch(`/api/v1/relationships/${created.body.id}`)
      .set(auth())
      .send({ settings: { mclt: 1800 } });
    expect(patched.body.vendorMessage).toBeUndefined();
    expect(patched.status).toBe(200);
    expect(await a.main()).toBe(a0.replace('mclt 3600', 'mclt 1800'));
    expect(await b.main()).toBe(b0);
    expect(await a.include()).toBe(aInclude);
    expect(await b.include()).toBe(bInclude);
    await dhcpdAccepts(a);
    await dhcpdAccepts(b);
  });

  it('a server with two peers pairs with two partners: both are discovered, and one adopted leaves the other found', async () => {
    const [one, two] = [uniqueName('two-a'), uniqueName('two-b')];
    /** One side of a peer on its own port (a server's two peers cannot listen on the same address and port). */
    const side = (name: string, role: 'primary' | 'secondary', port: number): string =>
      handPeer({
        name,
        role,
        address: role === 'primary' ? '127.0.0.1' : '127.0.0.2',
        peerAddress: role === 'primary' ? '127.0.0.2' : '127.0.0.1',
      }).replace(/port 647;/g, `port ${port};`);
    const pools = (octet: number, name: string): string =>
      handSubnets(name).replace(/192\.0\.2\./g, `198.51.${octet}.`);
    const hub = await isc.files({
      main: (include) =>
        `${side(one, 'primary', 647)}\n${side(two, 'primary', 847)}\ninclude "${include}";\n`,
      include: `${pools(1, one)}${pools(2, two)}`,
    });
    const first = await isc.files({
      main: (include) => `${side(one, 'secondary', 647)}\ninclude "${include}";\n`,
      include: pools(1, one),
    });
    const second = await isc.files({
      main: (include) => `${side(two, 'secondary', 847)}\ninclude "${include}";\n`,
      include: pools(2, two),
    });
    for (const files of [hub, first, second]) await dhcpdAccepts(files);
    const [idHub, idFirst, idSecond] = [
      await isc.register(hub),
      await isc.register(first),
      await isc.register(second),
    ];

    const listed = await t.http.get(`/api/v1/relationships?serverId=${idHub}`).set(auth()).expect(200);
    const byName = (
      items: Array<Record<string, unknown>>,
      name: string,
    ): Record<string, unknown> | undefined => items.find((item) => item['name'] === name);
    expect(listed.body.items).toHaveLength(2);
    /** Found as a pair: the hub primary, the partner secondary, each on the peer's own port. */
    const pair = (name: string, partnerId: string, port: number): Record<string, unknown> => ({
      discovered: true,
      servers: [
        { serverId: idHub, role: 'primary', peerName: name, settings: { address: '127.0.0.1', port } },
        { serverId: partnerId, role: 'secondary', peerName: name, settings: { address: '127.0.0.2', port } },
      ],
    });
    expect(byName(listed.body.items, one)).toMatchObject(pair(one, idFirst, 647));
    expect(byName(listed.body.items, two)).toMatchObject(pair(two, idSecond, 847));

    const adopted = byName(listed.body.items, one)!;
    await t.http
      .post(`/api/v1/relationships/${adopted['id'] as string}/adopt`)
      .set(auth())
      .expect(200);
    const again = await t.http.get(`/api/v1/relationships?serverId=${idHub}`).set(auth()).expect(200);
    expect(again.body.items).toHaveLength(2);
    expect(byName(again.body.items, one)).toMatchObject({ id: adopted['id'], discovered: false });
    expect(byName(again.body.items, two)).toMatchObject({
      id: byName(listed.body.items, two)!['id'],
      discovered: true,
    });
  });

  it('never overwrites a peer configured outside this service whose partner is not registered (409)', async () => {
    const name = uniqueName('lone');
    const lone = await isc.files({
      main: (include) =>
        `${handPeer({ name, role: 'primary', address: '127.0.0.1', peerAddress: '127.0.0.9' })}\ninclude "${include}";\n`,
      include: handSubnets(name),
    });
    const before = await lone.main();
    const refused = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name: uniqueName('isc-over'),
        vendor: 'isc',
        mode: 'load-balancing',
        servers: [
          { serverId: await isc.register(lone), role: 'primary' },
          { serverId: await isc.register(await plain()), role: 'secondary' },
        ],
      })
      .expect(409);
    expect(refused.body.detail).toContain(`already has failover configured (hot-standby, peers ${name}`);
    expect(await lone.main()).toBe(before);
  });

  /** Two plain servers in a managed load-balancing relationship made through the API. */
  const managedPair = async (): Promise<{
    id: string;
    a: IscServerFiles;
    b: IscServerFiles;
    idA: string;
    idB: string;
  }> => {
    const [a, b] = [await plain(), await plain()];
    const [idA, idB] = [await isc.register(a), await isc.register(b)];
    const created = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name: uniqueName('isc-pair'),
        vendor: 'isc',
        mode: 'load-balancing',
        servers: [
          { serverId: idA, role: 'primary', settings: { address: '127.0.0.1' } },
          { serverId: idB, role: 'secondary', settings: { address: '127.0.0.2' } },
        ],
      })
      .expect(201);
    return { id: created.body.id as string, a, b, idA, idB };
  };

  it("PATCH of one server's settings merges them: a port sent keeps its address, null takes a setting away", async () => {
    const { id, a, b, idA, idB } = await managedPair();
    const [a0, b0] = [await a.main(), await b.main()];
    const before = (await t.http.get(`/api/v1/relationships/${id}`).set(auth()).expect(200)).headers['etag'];
    const patched = await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set(auth())
      .send({
        servers: [
          { serverId: idA, role: 'primary' },
          { serverId: idB, role: 'secondary', settings: { port: 847 } },
        ],
      })
      .expect(200);
    expect(patched.body.servers[1].settings).toEqual({ address: '127.0.0.2', port: 847 });
    // A change of a member alone is a new version of the relationship: the ETag read before is stale.
    expect(patched.headers['etag']).not.toBe(before);
    await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set({ ...auth(), 'If-Match': before })
      .send({ settings: { mclt: 1800 } })
      .expect(412);
    expect(await b.main()).toBe(b0.replace('  port 647;\n  peer address', '  port 847;\n  peer address'));
    expect(await a.main()).toBe(a0.replace('peer port 647', 'peer port 847'));
    await dhcpdAccepts(b);
    const back = await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set(auth())
      .send({
        servers: [
          { serverId: idA, role: 'primary' },
          { serverId: idB, role: 'secondary', settings: { port: null } },
        ],
      })
      .expect(200);
    expect(back.body.servers[1].settings).toEqual({ address: '127.0.0.2' });
    expect([await a.main(), await b.main()]).toEqual([a0, b0]);
  });

  it('a relationship setting sent as null is withdrawn: the record drops it and the servers get its default', async () => {
    const { id, a } = await managedPair();
    const a0 = await a.main();
    const set = await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set(auth())
      .send({ settings: { mclt: 1800, maxResponseDelay: 20 } })
      .expect(200);
    expect(set.body.settings).toMatchObject({ mclt: 1800, maxResponseDelay: 20 });
    expect(await a.main()).toContain('  mclt 1800;\n');
    const withdrawn = await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set(auth())
      .send({ settings: { mclt: null, maxResponseDelay: null } })
      .expect(200);
    expect(withdrawn.body.settings).not.toHaveProperty('mclt');
    expect(withdrawn.body.settings).not.toHaveProperty('maxResponseDelay');
    // The defaults a new relationship gets (mclt 3600, max-response-delay 60): the file as it was created.
    expect(await a.main()).toBe(a0);
    await dhcpdAccepts(a);
  });

  it("a relationship's scopes are the subnets whose pools name its peer, not every subnet of the servers", async () => {
    const { id, a, idA, idB } = await managedPair();
    // 127.0.0.0/8 has no pool; 10.5 is added on one server outside failover (a bare range).
    await writeFile(
      a.includePath,
      `${await a.include()}subnet 10.5.0.0 netmask 255.255.255.0 {\n  range 10.5.0.10 10.5.0.99;\n}\n`,
    );
    await dhcpdAccepts(a);
    const scopes = await t.http.get(`/api/v1/relationships/${id}/scopes`).set(auth()).expect(200);
    expect(scopes.body).toEqual({
      items: [expect.objectContaining({ network: '192.0.2.0', presentOn: [idA, idB], inStep: true })],
      total: 1,
      servers: [
        { serverId: idA, serverName: expect.any(String), scopesKnown: true },
        { serverId: idB, serverName: expect.any(String), scopesKnown: true },
      ],
    });
  });

  it('one adopted with split 0 (hot-standby, the secondary answering) can be changed; a change of mode drops its split', async () => {
    const name = uniqueName('hand-split0');
    const main = (peer: string) => (include: string) => `${peer}\ninclude "${include}";\n`;
    const primaryPeer = handPeer({ name, role: 'primary', address: '127.0.0.1', peerAddress: '127.0.0.2' });
    const d = await isc.files({
      main: main(primaryPeer.replace('split 256;', 'split 0;')),
      include: handSubnets(name),
    });
    const e = await isc.files({
      main: main(handPeer({ name, role: 'secondary', address: '127.0.0.2', peerAddress: '127.0.0.1' })),
      include: handSubnets(name),
    });
    await dhcpdAccepts(d);
    const idD = await isc.register(d);
    await isc.register(e);
    const listed = await t.http.get(`/api/v1/relationships?serverId=${idD}`).set(auth()).expect(200);
    expect(listed.body.items[0]).toMatchObject({ mode: 'hot-standby', settings: { split: 0 } });
    const id = listed.body.items[0].id as string;
    await t.http.post(`/api/v1/relationships/${id}/adopt`).set(auth()).expect(200);
    const dBefore = await d.main();
    const patched = await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set(auth())
      .send({ settings: { maxResponseDelay: 20 } });
    expect(patched.body.errors ?? []).toEqual([]);
    expect(patched.status).toBe(200);
    expect(await d.main()).toBe(dBefore.replace('max-response-delay 30;', 'max-response-delay 20;'));
    // Load balancing without a split sent: the hot-standby split is not carried into it (dhcpd's 128 applies).
    const balanced = await t.http
      .patch(`/api/v1/relationships/${id}`)
      .set(auth())
      .send({ mode: 'load-balancing' })
      .expect(200);
    expect(balanced.body.settings).not.toHaveProperty('split');
    expect(await d.main()).toContain('  split 128;\n');
    await dhcpdAccepts(d);
  });
});

describe('a real dhcpd pair in network namespaces becomes a failover pair through POST /relationships', () => {
  let t: TestApp;
  let pair: DhcpdPair;
  const auth = (): { Authorization: string } => bearer(t.adminKey);

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    pair = await startDhcpdPair({ name: 'isc-rel', withPeers: false });
  }, 90_000);
  afterAll(async () => {
    await pair?.stop();
    await t?.close();
  });

  async function register(server: DhcpdPair['primary']): Promise<string> {
    const response = await t.http
      .post('/api/v1/servers')
      .set(auth())
      .send({
        name: uniqueName(server.name),
        vendor: 'isc',
        // Where this process reaches the namespace: OMAPI is read there (transport local has no ssh host).
        address: server.omapiHost,
        connection: {
          transport: 'local',
          configPath: server.configPath,
          leasesPath: server.leasesPath,
          dhcpdPath: DHCPD_BIN,
          restartCommand: server.restartCommand,
          omapiPort: OMAPI_PORT,
          omapiKeyName: pair.key.name,
          omapiKey: pair.key.secret,
        },
      })
      .expect(201);
    return response.body.id as string;
  }

  it('reaches normal on both sides after the relationship is created, and each side reports its role', async () => {
    expect(await readFile(pair.primary.configPath, 'utf8')).toBe(dhcpdConf({ key: pair.key }));
    const [idP, idS] = [await register(pair.primary), await register(pair.secondary)];
    const created = await t.http
      .post('/api/v1/relationships')
      .set(auth())
      .send({
        name: uniqueName('ns-pair'),
        vendor: 'isc',
        mode: 'load-balancing',
        servers: [
          { serverId: idP, role: 'primary', settings: { address: pair.network.sides[0].address } },
          { serverId: idS, role: 'secondary', settings: { address: pair.network.sides[1].address } },
        ],
        settings: { peerName: pair.peerName, mclt: 60, maxResponseDelay: 30 },
      })
      .expect(201);

    const deadline = Date.now() + 90_000;
    let last: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      last = (await t.http.get(`/api/v1/relationships/${created.body.id}/state`).set(auth()).expect(200))
        .body as Record<string, unknown>;
      if (last['status'] === 'normal') break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    if (last['status'] !== 'normal') {
      throw new Error(`not normal within 90 s: ${JSON.stringify(last)}\n${await pair.output()}`);
    }
    expect(last['servers']).toMatchObject([
      {
        serverId: idP,
        reachable: true,
        state: 'normal',
        partnerState: 'normal',
        detail: { role: 'primary' },
      },
      {
        serverId: idS,
        reachable: true,
        state: 'normal',
        partnerState: 'normal',
        detail: { role: 'secondary' },
      },
    ]);
  }, 150_000);
});
