import { registerServer } from '../support/fixtures.js';
import { dhcpdAccepts } from '../support/isc/dhcpd-files.js';
import {
  type IscEstate,
  type IscServerFiles,
  startIscEstate,
  stopIscEstate,
} from '../support/isc/isc-estate.js';
import { bearer, type TestApp } from '../support/test-app.js';

const main = (include: string): string => `# dhcpd.conf
authoritative;
default-lease-time 600;

include "${include}";
`;

/** A peer declaration as an administrator would write it (ports differ so several peers can coexist). */
function peer(name: string, port: number, role: 'primary' | 'secondary' = 'primary'): string {
  const primaryOnly = role === 'primary' ? '  mclt 3600;\n  split 128;\n' : '';
  return `failover peer "${name}" {
  ${role};
  address 127.0.0.1;
  port ${port};
  peer address 127.0.0.2;
  peer port ${port};
  max-response-delay 60;
  max-unacked-updates 10;
${primaryOnly}  load balance max seconds 3;
}
`;
}

function subnet(octet: number, peerName?: string): string {
  const reference = peerName ? `    failover peer "${peerName}";\n` : '';
  return `subnet 10.${octet}.0.0 netmask 255.255.255.0 {
  option routers 10.${octet}.0.1;
  pool {
${reference}    range 10.${octet}.0.10 10.${octet}.0.99;
  }
}
`;
}

/** A subnet with one pool per peer named, the first from .10 to .20, the next from .30 to .40, and so on. */
function pooledSubnet(octet: number, peers: string[]): string {
  const pools = peers.map(
    (peerName, i) =>
      `  pool {\n    failover peer "${peerName}";\n    range 10.${octet}.0.${10 + 20 * i} 10.${octet}.0.${20 + 20 * i};\n  }\n`,
  );
  return `subnet 10.${octet}.0.0 netmask 255.255.255.0 {\n${pools.join('')}}\n`;
}

/** No peer yet: a bare range, a pool without a peer, a subnet in a shared-network. */
const NO_PEERS = `# Subnets, no failover yet.
subnet 10.1.0.0 netmask 255.255.255.0 {
  option routers 10.1.0.1; # gateway
  range 10.1.0.10 10.1.0.99;
}

shared-network office {
  subnet 10.2.0.0 netmask 255.255.255.0 {
    pool {
      range 10.2.0.10 10.2.0.99;
    }
  }
}

subnet 10.3.0.0 netmask 255.255.255.0 {
}
`;

const PRIMARY = {
  name: 'fo-main',
  role: 'primary',
  address: '127.0.0.1',
  port: 647,
  peerAddress: '127.0.0.2',
  peerPort: 647,
  maxResponseDelay: 60,
  maxUnackedUpdates: 10,
  mclt: 3600,
  split: 128,
  loadBalanceMaxSeconds: 3,
};

describe('ISC failover peers through the API, over a real sshd and the real dhcpd -t', () => {
  let t: TestApp;
  let isc: IscEstate;
  const auth = (): { Authorization: string } => bearer(t.adminKey);

  beforeAll(async () => {
    ({ t, isc } = await startIscEstate());
  });
  afterAll(() => stopIscEstate(t, isc));

  async function server(include: string, peers = ''): Promise<{ files: IscServerFiles; id: string }> {
    const files = await isc.files({ main: (path) => peers + main(path), include });
    return { files, id: await isc.register(files) };
  }

  async function poolPeers(id: string, network: string): Promise<Array<string | undefined>> {
    const scope = await t.http.get(`/api/v1/servers/${id}/scopes/${network}`).set(auth()).expect(200);
    return (scope.body.pools as Array<{ failoverPeer?: string }>).map((pool) => pool.failoverPeer);
  }

  it("the server's first peer: every address pool on the server refers to it, in one validated write, audited", async () => {
    const { files, id } = await server(NO_PEERS);
    const response = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .set('X-Request-Id', 'peer-create-1')
      .send(PRIMARY)
      .expect(201);
    expect(response.headers['location']).toBe(`/api/v1/servers/${id}/failover-peers/fo-main`);
    expect(response.body).toMatchObject({
      ...PRIMARY,
      firstPeer: true,
      poolsReferred: 2,
      pools: 2,
      scopes: ['10.1.0.0/24', '10.2.0.0/24'],
    });

    // The peer goes before the include in dhcpd.conf; each pool names it; the bare range became a pool.
    const mainText = await files.main();
    expect(mainText.indexOf('failover peer "fo-main" {')).toBeLessThan(mainText.indexOf('include'));
    expect(await files.include()).toBe(
      NO_PEERS.replace(
        '  range 10.1.0.10 10.1.0.99;\n',
        '  pool {\n    failover peer "fo-main";\n    range 10.1.0.10 10.1.0.99;\n  }\n',
      ).replace('    pool {\n', '    pool {\n      failover peer "fo-main";\n'),
    );
    await dhcpdAccepts(files);
    expect((await files.restarts()).map((line) => line.split(' ')[0])).toEqual(['ok']);
    expect(await poolPeers(id, '10.1.0.0')).toEqual(['fo-main']);
    expect(await poolPeers(id, '10.2.0.0')).toEqual(['fo-main']);

    const read = await t.http.get(`/api/v1/servers/${id}/failover-peers/fo-main`).set(auth()).expect(200);
    expect(read.headers['etag']).toBe(response.headers['etag']);
    const list = await t.http.get(`/api/v1/servers/${id}/failover-peers`).set(auth()).expect(200);
    expect(list.body).toMatchObject({ total: 1, items: [{ name: 'fo-main', pools: 2 }] });

    const events = await t.http
      .get(`/api/v1/audit-events?targetId=${id}&action=isc-peer.created`)
      .set(auth())
      .expect(200);
    expect(events.body.items).toHaveLength(1);
    expect(events.body.items[0]).toMatchObject({
      correlationId: 'peer-create-1',
      principalId: expect.any(String),
      details: { peer: 'fo-main', firstPeer: true, poolsReferred: 2 },
    });
  });

  it('the first peer leaves dynamic-bootp ranges out of failover (dhcpd refuses BOOTP with a peer), and so does a scope migration', async () => {
    const include = `subnet 10.5.0.0 netmask 255.255.255.0 {
  range dynamic-bootp 10.5.0.10 10.5.0.20;
}
subnet 10.6.0.0 netmask 255.255.255.0 {
  pool {
    range dynamic-bootp 10.6.0.10 10.6.0.20;
  }
  range 10.6.0.30 10.6.0.40;
}
${subnet(1)}`;
    const { files, id } = await server(include);
    await dhcpdAccepts(files);
    const created = await t.http.post(`/api/v1/servers/${id}/failover-peers`).set(auth()).send(PRIMARY);
    expect(created.body.vendorMessage).toBeUndefined();
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      firstPeer: true,
      poolsReferred: 2,
      scopes: ['10.6.0.0/24', '10.1.0.0/24'],
    });
    expect(await files.include()).toBe(
      include
        .replace(
          '  range 10.6.0.30 10.6.0.40;\n',
          '  pool {\n    failover peer "fo-main";\n    range 10.6.0.30 10.6.0.40;\n  }\n',
        )
        .replace('  pool {\n    range 10.1', '  pool {\n    failover peer "fo-main";\n    range 10.1'),
    );
    await dhcpdAccepts(files);

    // A second peer takes the mixed scope: its BOOTP pool stays as it is.
    const second = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, name: 'b', port: 648, peerPort: 648, scopes: ['10.6.0.0'] })
      .expect(201);
    expect(second.body.migrations).toEqual([
      { network: '10.6.0.0', peer: 'b', poolsChanged: 1, deletedPeers: [] },
    ]);
    expect(await poolPeers(id, '10.6.0.0')).toEqual([undefined, 'b']);
    await dhcpdAccepts(files);
    // A scope with BOOTP ranges only has nothing to migrate: a 409 that says why, nothing written.
    const before = await files.include();
    const refused = await t.http
      .put(`/api/v1/servers/${id}/scopes/10.5.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'b' })
      .expect(409);
    expect(refused.body.detail).toContain('dynamic-bootp');
    expect(await files.include()).toBe(before);
  });

  it('a peer whose peer endpoint is its own (address and port) is a 400 naming peerAddress, on create and edit', async () => {
    const { files, id } = await server(NO_PEERS);
    const selfPeer = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, peerAddress: '127.0.0.1' })
      .expect(400);
    expect(selfPeer.body.errors).toEqual([
      { field: 'peerAddress', message: expect.stringContaining('127.0.0.1:647') },
    ]);
    expect(await files.restarts()).toEqual([]);
    await t.http.post(`/api/v1/servers/${id}/failover-peers`).set(auth()).send(PRIMARY).expect(201);
    const before = await files.main();
    const edited = await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/${PRIMARY.name}`)
      .set(auth())
      .send({ peerAddress: '127.0.0.1' })
      .expect(400);
    expect(edited.body.errors).toEqual([
      { field: 'peerAddress', message: expect.stringContaining('127.0.0.1:647') },
    ]);
    expect(await files.main()).toBe(before);
  });

  it('a secondary with mclt is a 400 naming the field, and nothing is written', async () => {
    const { files, id } = await server(NO_PEERS);
    const response = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, role: 'secondary', split: undefined })
      .expect(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({
      type: 'urn:dfm:problem:validation',
      errors: [{ field: 'mclt', message: 'mclt is set on the primary only' }],
    });
    expect(await files.include()).toBe(NO_PEERS);
    expect(await files.restarts()).toEqual([]);

    // null is "not given", as in a PATCH: a secondary with mclt and split null is one without them.
    const created = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, role: 'secondary', mclt: null, split: null })
      .expect(201);
    expect(created.body).not.toHaveProperty('mclt');
    expect(await files.main()).not.toMatch(/mclt|split|null/);
    await dhcpdAccepts(files);
  });

  it('a primary without split is a 400 naming the field (not dhcpd -t\'s "must have hba or split"), and nothing is written', async () => {
    const { files, id } = await server(NO_PEERS);
    const response = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, split: undefined })
      .expect(400);
    expect(response.body).toMatchObject({
      type: 'urn:dfm:problem:validation',
      errors: [{ field: 'split', message: expect.stringContaining('split is required on the primary') }],
    });
    expect(await files.include()).toBe(NO_PEERS);
    expect(await files.restarts()).toEqual([]);
  });

  it('an IPv6 or malformed endpoint is a 400 naming the field (dhcpd takes IPv4 or a host name), and nothing is written', async () => {
    const { files, id } = await server(NO_PEERS);
    const response = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, address: 'fe80::1', peerAddress: '999.1.1.1' })
      .expect(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.errors).toEqual([
      expect.objectContaining({ field: 'address', message: expect.stringContaining('no IPv6') }),
      expect.objectContaining({
        field: 'peerAddress',
        message: expect.stringContaining('IPv4 address or a DNS host name'),
      }),
    ]);
    expect(await files.include()).toBe(NO_PEERS);
    expect(await files.restarts()).toEqual([]);
  });

  it('editing a peer changes only its lines; If-Match guards it; becoming secondary needs mclt and split removed', async () => {
    const { files, id } = await server(subnet(1, 'a'), peer('a', 647));
    const before = await files.main();
    const read = await t.http.get(`/api/v1/servers/${id}/failover-peers/a`).set(auth()).expect(200);
    await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/a`)
      .set(auth())
      .set('If-Match', '"stale"')
      .send({ maxResponseDelay: 30 })
      .expect(412);
    const edited = await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/a`)
      .set(auth())
      .set('If-Match', read.headers['etag'])
      .send({ maxResponseDelay: 30, peerAddress: 'dhcp2.example.net' })
      .expect(200);
    expect(edited.body).toMatchObject({ maxResponseDelay: 30, peerAddress: 'dhcp2.example.net', pools: 1 });
    expect(await files.main()).toBe(
      before
        .replace('max-response-delay 60', 'max-response-delay 30')
        .replace('peer address 127.0.0.2', 'peer address dhcp2.example.net'),
    );
    const refused = await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/a`)
      .set(auth())
      .send({ role: 'secondary' })
      .expect(400);
    // Told how to go on: the primary's mclt and split are removed with the role change.
    expect(refused.body.errors).toEqual([
      {
        field: 'mclt',
        message:
          'mclt is set on the primary only, and "a" has one: send "mclt": null with "role": "secondary" to remove it',
      },
      {
        field: 'split',
        message:
          'split is set on the primary only, and "a" has one: send "split": null with "role": "secondary" to remove it',
      },
    ]);
    await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/a`)
      .set(auth())
      .send({ role: 'secondary', mclt: null, split: null })
      .expect(200);
    expect(await files.main()).not.toMatch(/mclt|split/);
    await dhcpdAccepts(files);
  });

  it('editing a peer declared without port lines leaves them absent unless the port changes', async () => {
    const declared = peer('p', 647).replace('  port 647;\n', '').replace('  peer port 647;\n', '');
    const { files, id } = await server(subnet(1, 'p'), declared);
    const before = await files.main();
    expect(before).not.toMatch(/port 647/);
    const read = await t.http.get(`/api/v1/servers/${id}/failover-peers/p`).set(auth()).expect(200);
    expect(read.body).toMatchObject({ port: 647, peerPort: 647 });
    await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/p`)
      .set(auth())
      .send({ maxResponseDelay: 30 })
      .expect(200);
    expect(await files.main()).toBe(before.replace('max-response-delay 60', 'max-response-delay 30'));
    await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/p`)
      .set(auth())
      .send({ peerPort: 847 })
      .expect(200);
    expect(await files.main()).toBe(
      before
        .replace('max-response-delay 60', 'max-response-delay 30')
        .replace('  peer address 127.0.0.2;\n', '  peer address 127.0.0.2;\n  peer port 847;\n'),
    );
    await dhcpdAccepts(files);
  });

  it('a statement written twice by hand is changed where dhcpd reads it (the later line), and all of it is removed', async () => {
    const twice = peer('d', 647)
      .replace(
        '  max-response-delay 60;\n',
        '  max-response-delay 60;\n  max-response-delay 30; # overrides\n',
      )
      .replace('  mclt 3600;\n', '  mclt 3600;\n  mclt 1800;\n');
    const { files, id } = await server(subnet(1, 'd'), twice);
    await dhcpdAccepts(files);
    const before = await files.main();
    const read = await t.http.get(`/api/v1/servers/${id}/failover-peers/d`).set(auth()).expect(200);
    expect(read.body).toMatchObject({ maxResponseDelay: 30, mclt: 1800 });
    const edited = await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/d`)
      .set(auth())
      .send({ maxResponseDelay: 90 })
      .expect(200);
    expect(edited.body).toMatchObject({ maxResponseDelay: 90 });
    expect(await files.main()).toBe(
      before.replace('max-response-delay 30; # overrides', 'max-response-delay 90; # overrides'),
    );
    const secondary = await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/d`)
      .set(auth())
      .send({ role: 'secondary', mclt: null, split: null })
      .expect(200);
    expect(secondary.body).toMatchObject({ role: 'secondary' });
    expect(secondary.body).not.toHaveProperty('mclt');
    expect(await files.main()).not.toMatch(/mclt|split/);
    await dhcpdAccepts(files);
  });

  it('a split set on a peer declared with an hba bitmap replaces the bitmap (dhcpd would keep the later hba)', async () => {
    const hba = `  hba ${[...Array(16).fill('ff'), ...Array(16).fill('00')].join(':')};\n`;
    const { files, id } = await server(subnet(1, 'h'), peer('h', 647).replace('  split 128;\n', hba));
    const before = await files.main();
    const read = await t.http.get(`/api/v1/servers/${id}/failover-peers/h`).set(auth()).expect(200);
    expect(read.body).toMatchObject({ extras: [hba.trim()] });
    expect(read.body.split).toBeUndefined();
    const edited = await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/h`)
      .set(auth())
      .send({ split: 100 })
      .expect(200);
    expect(edited.body).toMatchObject({ split: 100 });
    expect(edited.body.extras).toBeUndefined();
    expect(await files.main()).toBe(
      before.replace(hba, '').replace('  mclt 3600;\n', '  mclt 3600;\n  split 100;\n'),
    );
    await dhcpdAccepts(files);
  });

  it('a primary declared with an hba bitmap becomes secondary in one PATCH: the bitmap goes with split: null', async () => {
    const hba = `  hba ${[...Array(16).fill('ff'), ...Array(16).fill('00')].join(':')};\n`;
    const { files, id } = await server(subnet(1, 'h'), peer('h', 647).replace('  split 128;\n', hba));
    const before = await files.main();
    const edited = await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/h`)
      .set(auth())
      .send({ role: 'secondary', mclt: null, split: null });
    expect(edited.body.vendorMessage).toBeUndefined();
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ role: 'secondary', pools: 1 });
    expect(edited.body.extras).toBeUndefined();
    expect(await files.main()).toBe(
      before.replace('  primary;\n', '  secondary;\n').replace('  mclt 3600;\n', '').replace(hba, ''),
    );
    await dhcpdAccepts(files);
  });

  it('null for an optional list or flag of a new peer means not given (not a 500)', async () => {
    const { files, id } = await server(subnet(1, 'a') + subnet(2), peer('a', 647));
    const before = [await files.main(), await files.include()];
    const answer = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, name: 'b', port: 648, peerPort: 648, scopes: null, confirmDeleteOldPeer: null });
    // Not given: a second peer with no pools, which dhcpd refuses: a 400 naming `scopes` (as without it), nothing written.
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'scopes' })]);
    expect([await files.main(), await files.include()]).toEqual(before);
    const moved = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({
        ...PRIMARY,
        name: 'b',
        port: 648,
        peerPort: 648,
        scopes: ['10.2.0.0'],
        confirmDeleteOldPeer: null,
      })
      .expect(201);
    expect(moved.body).toMatchObject({ name: 'b', pools: 1, scopes: ['10.2.0.0/24'] });
    await dhcpdAccepts(files);
  });

  it('a pool declared in the shared-network serves the subnet holding its range: reads, the first peer and a scope migration see it', async () => {
    const include = `shared-network office {
  subnet 10.2.0.0 netmask 255.255.255.0 {
    option routers 10.2.0.1;
  }
  pool {
    range 10.2.0.10 10.2.0.99;
  }
}
${subnet(1)}`;
    const { files, id } = await server(include);
    await dhcpdAccepts(files);
    const created = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send(PRIMARY)
      .expect(201);
    expect(created.body).toMatchObject({
      poolsReferred: 2,
      pools: 2,
      scopes: ['10.2.0.0/24', '10.1.0.0/24'],
    });
    await dhcpdAccepts(files);
    const list = await t.http.get(`/api/v1/servers/${id}/scopes`).set(auth()).expect(200);
    expect(list.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ subnet: '10.2.0.0/24', failover: 'fo-main' })]),
    );
    const scope = await t.http.get(`/api/v1/servers/${id}/scopes/10.2.0.0`).set(auth()).expect(200);
    expect(scope.body.pools).toEqual([{ start: '10.2.0.10', end: '10.2.0.99', failoverPeer: 'fo-main' }]);
    expect(scope.body.exclusions).toEqual([
      { start: '10.2.0.1', end: '10.2.0.9' },
      { start: '10.2.0.100', end: '10.2.0.254' },
    ]);
    // A second peer takes the scope: the shared-network's pool is the one that moves (only its reference changes).
    const included = await files.include();
    const second = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, name: 'b', port: 648, peerPort: 648, scopes: ['10.2.0.0'] })
      .expect(201);
    expect(second.body).toMatchObject({ pools: 1, scopes: ['10.2.0.0/24'] });
    expect(await files.include()).toBe(
      included.replace(
        '    failover peer "fo-main";\n    range 10.2.0.10',
        '    failover peer "b";\n    range 10.2.0.10',
      ),
    );
    await dhcpdAccepts(files);
    expect(await poolPeers(id, '10.2.0.0')).toEqual(['b']);
  });

  it('a peer written by hand with quotes or a backslash in its name (dhcpd takes them) can be changed', async () => {
    const declared = 'dc1 \\"east\\" \\\\ 2';
    const { files, id } = await server(subnet(1, declared), peer(declared, 647));
    await dhcpdAccepts(files);
    const before = await files.main();
    const path = `/api/v1/servers/${id}/failover-peers/${encodeURIComponent('dc1 "east" \\ 2')}`;
    const read = await t.http.get(path).set(auth()).expect(200);
    expect(read.body).toMatchObject({ name: 'dc1 "east" \\ 2', pools: 1 });
    const edited = await t.http.patch(path).set(auth()).send({ maxResponseDelay: 30 }).expect(200);
    expect(edited.body).toMatchObject({ name: 'dc1 "east" \\ 2', maxResponseDelay: 30 });
    expect(await files.main()).toBe(before.replace('max-response-delay 60', 'max-response-delay 30'));
    await dhcpdAccepts(files);
  });

  it('deleting with two other peers left is a 409 listing the choices; with replacement, one left, then the last', async () => {
    const { files, id } = await server(
      subnet(1, 'a') + subnet(2, 'b') + subnet(3, 'c') + subnet(4, 'a'),
      peer('a', 647) + peer('b', 648) + peer('c', 649),
    );
    const [main0, include0] = [await files.main(), await files.include()];
    const choose = await t.http.delete(`/api/v1/servers/${id}/failover-peers/a`).set(auth()).expect(409);
    expect(choose.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(choose.body).toMatchObject({
      type: 'urn:dfm:problem:conflict',
      choices: ['b', 'c'],
      pools: 2,
      scopes: ['10.1.0.0/24', '10.4.0.0/24'],
    });
    expect(choose.body.detail).toContain('replacement');
    expect([await files.main(), await files.include()]).toEqual([main0, include0]);

    await t.http.delete(`/api/v1/servers/${id}/failover-peers/a?replacement=a`).set(auth()).expect(400);
    const replaced = await t.http
      .delete(`/api/v1/servers/${id}/failover-peers/a?replacement=c`)
      .set(auth())
      .expect(200);
    expect(replaced.body).toEqual({
      name: 'a',
      outcome: 'references-moved',
      replacement: 'c',
      pools: 2,
      scopes: ['10.1.0.0/24', '10.4.0.0/24'],
    });
    expect(await files.main()).not.toContain('failover peer "a"');
    expect(await poolPeers(id, '10.1.0.0')).toEqual(['c']);
    expect(await poolPeers(id, '10.4.0.0')).toEqual(['c']);
    await t.http.get(`/api/v1/servers/${id}/failover-peers/a`).set(auth()).expect(404);

    // One other peer left: its references move to it without asking.
    const moved = await t.http.delete(`/api/v1/servers/${id}/failover-peers/b`).set(auth()).expect(200);
    expect(moved.body).toEqual({
      name: 'b',
      outcome: 'references-moved',
      replacement: 'c',
      pools: 1,
      scopes: ['10.2.0.0/24'],
    });
    expect(await poolPeers(id, '10.2.0.0')).toEqual(['c']);

    // The last peer: every reference to it is removed.
    const last = await t.http.delete(`/api/v1/servers/${id}/failover-peers/c`).set(auth()).expect(200);
    expect(last.body).toEqual({
      name: 'c',
      outcome: 'references-removed',
      pools: 4,
      scopes: ['10.1.0.0/24', '10.2.0.0/24', '10.3.0.0/24', '10.4.0.0/24'],
    });
    expect(await files.main()).toBe(main0.replace(peer('a', 647) + peer('b', 648) + peer('c', 649), ''));
    expect(await files.include()).not.toContain('failover peer');
    for (const network of ['10.1.0.0', '10.2.0.0', '10.3.0.0', '10.4.0.0']) {
      expect(await poolPeers(id, network)).toEqual([undefined]);
    }
    await dhcpdAccepts(files);
    const none = await t.http.get(`/api/v1/servers/${id}/failover-peers`).set(auth()).expect(200);
    expect(none.body).toEqual({ items: [], total: 0 });
  });

  it("PUT .../failover-peer migrates a scope's pools; the last pools of a peer need confirmDeleteOldPeer", async () => {
    const { files, id } = await server(
      subnet(1, 'a') + subnet(2, 'b') + subnet(3, 'b'),
      peer('a', 647) + peer('b', 648),
    );
    const kept = await t.http
      .put(`/api/v1/servers/${id}/scopes/10.2.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'a' })
      .expect(200);
    expect(kept.body).toEqual({ network: '10.2.0.0', peer: 'a', poolsChanged: 1, deletedPeers: [] });
    expect(await poolPeers(id, '10.2.0.0')).toEqual(['a']);

    const [main1, include1] = [await files.main(), await files.include()];
    const warn = await t.http
      .put(`/api/v1/servers/${id}/scopes/10.3.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'a' })
      .expect(409);
    expect(warn.body).toMatchObject({ peersToDelete: ['b'], confirm: 'confirmDeleteOldPeer' });
    expect(warn.body.detail).toContain('deletes that peer');
    expect([await files.main(), await files.include()]).toEqual([main1, include1]);
    // Yes under one name and no under the other is not a confirmation.
    const mixed = await t.http
      .put(`/api/v1/servers/${id}/scopes/10.3.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'a', confirmDeleteOldPeer: false, confirmPeerDeletion: true })
      .expect(400);
    expect(mixed.body.errors).toEqual([
      expect.objectContaining({
        field: 'confirmPeerDeletion',
        message: expect.stringContaining('one confirmation'),
      }),
    ]);
    expect([await files.main(), await files.include()]).toEqual([main1, include1]);

    const confirmed = await t.http
      .put(`/api/v1/servers/${id}/scopes/10.3.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'a', confirmDeleteOldPeer: true })
      .expect(200);
    expect(confirmed.body).toEqual({ network: '10.3.0.0', peer: 'a', poolsChanged: 1, deletedPeers: ['b'] });
    expect(await files.main()).toBe(main1.replace(peer('b', 648), ''));
    expect(await poolPeers(id, '10.3.0.0')).toEqual(['a']);
    await dhcpdAccepts(files);

    await t.http
      .put(`/api/v1/servers/${id}/scopes/10.3.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'nope' })
      .expect(404);
    await t.http
      .put(`/api/v1/servers/${id}/scopes/10.9.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'a' })
      .expect(404);
  });

  it("PUT .../failover-peer with pool moves only the pool holding that address; the old peer's last pool needs the confirmation", async () => {
    const twoPools = pooledSubnet(8, ['a', 'b']);
    const { files, id } = await server(subnet(1, 'a') + twoPools, peer('a', 647) + peer('b', 648));
    const [main0, include0] = [await files.main(), await files.include()];
    const move = (body: Record<string, unknown>) =>
      t.http.put(`/api/v1/servers/${id}/scopes/10.8.0.0/failover-peer`).set(auth()).send(body);

    // Not an address, or an address no range of the scope holds: nothing is written.
    const bad = await move({ name: 'a', pool: '10.8.0' }).expect(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'pool' })]);
    const outside = await move({ name: 'a', pool: '10.8.0.25' }).expect(404);
    expect(outside.body.detail).toContain('has no address pool holding 10.8.0.25');
    // The second pool is b's last: a warning first, then the move deletes b.
    const warn = await move({ name: 'a', pool: '10.8.0.30' }).expect(409);
    expect(warn.body).toMatchObject({ peersToDelete: ['b'], confirm: 'confirmDeleteOldPeer' });
    expect([await files.main(), await files.include()]).toEqual([main0, include0]);

    const moved = await move({ name: 'a', pool: '10.8.0.30', confirmDeleteOldPeer: true }).expect(200);
    expect(moved.body).toEqual({
      network: '10.8.0.0',
      pool: '10.8.0.30',
      peer: 'a',
      poolsChanged: 1,
      deletedPeers: ['b'],
    });
    expect(await files.include()).toBe(include0.replace('failover peer "b";', 'failover peer "a";'));
    expect(await files.main()).toBe(main0.replace(peer('b', 648), ''));
    await dhcpdAccepts(files);

    // Back to b is not possible now: the peer is gone.
    await move({ name: 'b', pool: '10.8.0.30' }).expect(404);
  });

  it('POST /failover-peers with pools: a new peer takes the pools holding those addresses, one each, in one validated write', async () => {
    const twoPools = pooledSubnet(9, ['a', 'a']);
    const { files, id } = await server(subnet(1, 'a') + twoPools, peer('a', 647));
    const include0 = await files.include();
    const outside = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, name: 'b', port: 648, peerPort: 648, pools: ['10.9.0.25'] })
      .expect(404);
    expect(outside.body.detail).toContain('has no address pool holding 10.9.0.25');
    const notAnAddress = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, name: 'b', port: 648, peerPort: 648, pools: ['10.9.0.x'] })
      .expect(400);
    expect(notAnAddress.body.errors).toEqual([expect.objectContaining({ field: 'pools' })]);
    expect(await files.include()).toBe(include0);

    const created = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, name: 'b', port: 648, peerPort: 648, pools: ['10.9.0.30'] })
      .expect(201);
    expect(created.body).toMatchObject({
      name: 'b',
      pools: 1,
      scopes: ['10.9.0.0/24'],
      firstPeer: false,
      migrations: [{ network: '10.9.0.0', pool: '10.9.0.30', peer: 'b', poolsChanged: 1, deletedPeers: [] }],
    });
    expect(await poolPeers(id, '10.9.0.0')).toEqual(['a', 'b']);
    expect(await poolPeers(id, '10.1.0.0')).toEqual(['a']);
    await dhcpdAccepts(files);
  });

  it('a peer declaration it cannot read is a problem with its line, not a peer with a null port', async () => {
    const unreadable = await server(subnet(1, 'a'), peer('a', 647).replace('  port 647;', '  port abc;'));
    const problem = await t.http
      .get(`/api/v1/servers/${unreadable.id}/failover-peers`)
      .set(auth())
      .expect(422);
    expect(problem.body).toMatchObject({ driverError: 'invalid-config' });
    expect(problem.body.detail).toContain(`${unreadable.files.configPath} line 4, column 8`);
    expect(problem.body.detail).toContain('"port" takes a whole number, not "abc"');

    const twice = await server(subnet(1, 'a'), peer('a', 647) + peer('a', 648));
    const listed = await t.http.get(`/api/v1/servers/${twice.id}/failover-peers`).set(auth()).expect(422);
    expect(listed.body.detail).toContain('failover peer "a" is declared a second time');
  });

  it("a write dhcpd -t rejects reaches the caller with dhcpd's text, and the files are untouched", async () => {
    // A range outside its subnet, written by hand: the tree has no opinion on it, dhcpd -t refuses any write.
    const outside = subnet(2, 'a').replace(/range 10\.2\.0\.10 10\.2\.0\.99/, 'range 10.9.0.10 10.9.0.99');
    const { files, id } = await server(subnet(1, 'a') + outside, peer('a', 647));
    const [main0, include0] = [await files.main(), await files.include()];
    const rejected = await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/a`)
      .set(auth())
      .send({ maxResponseDelay: 30 })
      .expect(422);
    expect(rejected.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(rejected.body).toMatchObject({
      type: 'urn:dfm:problem:server-rejected-config',
      driverError: 'invalid-config',
      vendorMessage: expect.stringContaining('bad range, address 10.9.0.10 not in subnet 10.2.0.0'),
    });
    expect(rejected.body.detail).toContain('dhcpd -t rejected the configuration');
    expect([await files.main(), await files.include()]).toEqual([main0, include0]);
    expect(await files.restarts()).toEqual([]);
    expect(await files.leftovers()).toEqual([]);
  });

  it('a name taken, an unknown peer and a server that is not ISC are problems saying so', async () => {
    const { id } = await server(subnet(1, 'a'), peer('a', 647));
    const taken = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, name: 'a' })
      .expect(409);
    expect(taken.body.detail).toContain('exists');
    const unknown = await t.http.get(`/api/v1/servers/${id}/failover-peers/nope`).set(auth()).expect(404);
    expect(unknown.body.detail).toContain('failover peer "nope" does not exist');
    await t.http.delete(`/api/v1/servers/${id}/failover-peers/nope`).set(auth()).expect(404);
    await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/nope`)
      .set(auth())
      .send({ port: 700 })
      .expect(404);

    const kea = await registerServer(t);
    const wrong = await t.http.get(`/api/v1/servers/${kea}/failover-peers`).set(auth()).expect(409);
    expect(wrong.body).toMatchObject({ type: 'urn:dfm:problem:wrong-vendor', vendor: 'kea' });
    expect(wrong.body.detail).toContain('ISC');
    await t.http.post(`/api/v1/servers/${kea}/failover-peers`).set(auth()).send(PRIMARY).expect(409);
  });
});
