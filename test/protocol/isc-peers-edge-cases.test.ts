import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DHCPD_BIN } from '../support/isc/dhcpd-files.js';
import {
  type IscEstate,
  type IscServerFiles,
  startIscEstate,
  stopIscEstate,
} from '../support/isc/isc-estate.js';
import { bearer, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);

const main = (include: string, peers: string): string => `# dhcpd.conf
authoritative;
${peers}
include "${include}";
`;

function peer(name: string, port: number, role: 'primary' | 'secondary' = 'primary', quoted = true): string {
  const primaryOnly = role === 'primary' ? '  mclt 3600;\n  split 128;\n' : '';
  return `failover peer ${quoted ? `"${name}"` : name} {
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

const SUBNET = `subnet 10.1.0.0 netmask 255.255.255.0 {
  range 10.1.0.10 10.1.0.99;
}
`;

describe('ISC failover peers: probes of edge cases', () => {
  let t: TestApp;
  let isc: IscEstate;
  const auth = (): { Authorization: string } => bearer(t.adminKey);

  beforeAll(async () => {
    ({ t, isc } = await startIscEstate());
  });
  afterAll(() => stopIscEstate(t, isc));

  async function server(include: string, peers = ''): Promise<{ files: IscServerFiles; id: string }> {
    const files = await isc.files({ main: (path) => main(path, peers), include });
    return { files, id: await isc.register(files) };
  }
  async function both(files: IscServerFiles): Promise<string[]> {
    return [await files.main(), await files.include()];
  }
  async function poolPeers(id: string, network: string): Promise<Array<string | undefined>> {
    const scope = await t.http.get(`/api/v1/servers/${id}/scopes/${network}`).set(auth()).expect(200);
    return (scope.body.pools as Array<{ failoverPeer?: string }>).map((pool) => pool.failoverPeer);
  }

  it.each([
    ['port 0', { port: 0 }, 'port'],
    ['port 65536', { port: 65536 }, 'port'],
    ['peerPort 0', { peerPort: 0 }, 'peerPort'],
    ['negative delay', { maxResponseDelay: -1 }, 'maxResponseDelay'],
    ['zero unacked', { maxUnackedUpdates: 0 }, 'maxUnackedUpdates'],
    ['split 257', { split: 257 }, 'split'],
    ['negative lbms', { loadBalanceMaxSeconds: -1 }, 'loadBalanceMaxSeconds'],
    ['a quote in the name', { name: 'a"b' }, 'name'],
    ['a newline in the name', { name: 'a\nb' }, 'name'],
    ['mclt 0 on a primary', { mclt: 0 }, 'mclt'],
  ])('create with %s is a 400 naming the field, nothing written', async (_title, change, field) => {
    const { files, id } = await server(SUBNET);
    const before = await both(files);
    const response = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, ...change });
    expect([response.status, response.headers['content-type']]).toEqual([
      400,
      expect.stringMatching(/application\/problem\+json/),
    ]);
    expect(response.body.errors).toEqual([expect.objectContaining({ field })]);
    expect(await both(files)).toEqual(before);
    expect(await files.restarts()).toEqual([]);
  });

  it.each([
    ['mclt 0', { mclt: 0 }, 'mclt'],
    ['split 257', { split: 257 }, 'split'],
    ['port 65536', { port: 65536 }, 'port'],
    ['a name', { name: 'b' }, 'name'],
    ['secondary keeping mclt and split', { role: 'secondary', mclt: 3600, split: 128 }, 'mclt'],
  ])('PATCH with %s is a 400, nothing written', async (_title, change, field) => {
    const { files, id } = await server(
      SUBNET.replace('  range', '  pool {\n  failover peer "a";\n  range').replace('99;\n', '99;\n  }\n'),
      peer('a', 647),
    );
    const before = await both(files);
    const response = await t.http.patch(`/api/v1/servers/${id}/failover-peers/a`).set(auth()).send(change);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: expect.stringContaining(field) })]),
    );
    expect(await both(files)).toEqual(before);
  });

  it('a PATCH that renames is a 400 saying why the name cannot change and what to do instead, nothing written', async () => {
    const { files, id } = await server(
      `subnet 10.1.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "a";\n    range 10.1.0.10 10.1.0.99;\n  }\n}\n`,
      peer('a', 647),
    );
    const before = await both(files);
    for (const name of ['b', null]) {
      const response = await t.http
        .patch(`/api/v1/servers/${id}/failover-peers/a`)
        .set(auth())
        .send({ name, maxResponseDelay: 30 })
        .expect(400);
      expect(response.body.errors).toEqual([
        { field: 'name', message: expect.stringContaining('name cannot change') },
      ]);
      expect(response.body.errors[0].message).toContain('create a peer with the new name');
    }
    expect(await both(files)).toEqual(before);
  });

  it('an empty PATCH writes nothing and does not restart dhcpd', async () => {
    const { files, id } = await server(
      `subnet 10.1.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "a";\n    range 10.1.0.10 10.1.0.99;\n  }\n}\n`,
      peer('a', 647),
    );
    const before = await both(files);
    await t.http.patch(`/api/v1/servers/${id}/failover-peers/a`).set(auth()).send({}).expect(200);
    await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/a`)
      .set(auth())
      .send({ maxResponseDelay: 60 })
      .expect(200);
    expect(await both(files)).toEqual(before);
    expect(await files.restarts()).toEqual([]);
  });

  it('an unquoted peer in an include file: list, edit (comments kept), migrate and delete', async () => {
    const include = `# peers live here
${peer('fo', 647, 'primary', false).replace('  max-response-delay 60;', '  max-response-delay   60; # tuned')}${peer('fo2', 648, 'primary', false)}
subnet 10.1.0.0 netmask 255.255.255.0 {
  pool {
    failover peer "fo";   # main
    range 10.1.0.10 10.1.0.49;
  }
  pool {
    failover peer "fo2";
    range 10.1.0.50 10.1.0.99;
  }
}
subnet 10.2.0.0 netmask 255.255.255.0 {
  pool { failover peer "fo2"; range 10.2.0.10 10.2.0.99; }
}
`;
    const { files, id } = await server(include);
    const list = await t.http.get(`/api/v1/servers/${id}/failover-peers`).set(auth()).expect(200);
    expect(list.body.items.map((p: { name: string; pools: number }) => [p.name, p.pools])).toEqual([
      ['fo', 1],
      ['fo2', 2],
    ]);
    await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/fo`)
      .set(auth())
      .send({ maxResponseDelay: 30 })
      .expect(200);
    expect(await files.include()).toBe(
      include.replace('max-response-delay   60; # tuned', 'max-response-delay   30; # tuned'),
    );
    // 10.1.0.0 holds fo's last pool: confirmation needed.
    const warn = await t.http
      .put(`/api/v1/servers/${id}/scopes/10.1.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'fo2' })
      .expect(409);
    expect(warn.body.peersToDelete).toEqual(['fo']);
    const done = await t.http
      .put(`/api/v1/servers/${id}/scopes/10.1.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'fo2', confirmDeleteOldPeer: true })
      .expect(200);
    expect(done.body).toEqual({ network: '10.1.0.0', peer: 'fo2', poolsChanged: 1, deletedPeers: ['fo'] });
    expect(await poolPeers(id, '10.1.0.0')).toEqual(['fo2', 'fo2']);
    await run(DHCPD_BIN, ['-t', '-cf', files.configPath, '-lf', files.leasesPath]);
    const last = await t.http.delete(`/api/v1/servers/${id}/failover-peers/fo2`).set(auth()).expect(200);
    expect(last.body).toEqual({
      name: 'fo2',
      outcome: 'references-removed',
      pools: 3,
      scopes: ['10.1.0.0/24', '10.2.0.0/24'],
    });
    expect(await files.include()).not.toMatch(/failover/);
    await run(DHCPD_BIN, ['-t', '-cf', files.configPath, '-lf', files.leasesPath]);
  });

  it('a second peer without scopes is a 400 saying to name scopes (not dhcpd -t\'s "no referring pools"), nothing written', async () => {
    const { files, id } = await server(
      `subnet 10.1.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "a";\n    range 10.1.0.10 10.1.0.99;\n  }\n}\n`,
      peer('a', 647),
    );
    const before = await both(files);
    const response = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, port: 700, peerPort: 700 })
      .expect(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.errors).toEqual([
      { field: 'scopes', message: expect.stringContaining('name at least one scope') },
    ]);
    expect(await both(files)).toEqual(before);
    expect(await files.restarts()).toEqual([]);
  });

  it('a first peer on a server with no address pool is a 409 saying to add a range, nothing written', async () => {
    const empty = 'subnet 10.1.0.0 netmask 255.255.255.0 {\n}\n';
    const { files, id } = await server(empty);
    const before = await both(files);
    const response = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send(PRIMARY)
      .expect(409);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.detail).toContain('add a range to a subnet first');
    expect(await both(files)).toEqual(before);
    expect(await files.restarts()).toEqual([]);
  });

  it('confirm flag given when nothing is deleted is harmless; DELETE with If-Match stale is 412', async () => {
    const { files, id } = await server(
      `subnet 10.1.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "a";\n    range 10.1.0.10 10.1.0.99;\n  }\n}\nsubnet 10.2.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "a";\n    range 10.2.0.10 10.2.0.99;\n  }\n}\n`,
      peer('a', 647) + peer('b', 648),
    );
    void files;
    await t.http
      .delete(`/api/v1/servers/${id}/failover-peers/b`)
      .set(auth())
      .set('If-Match', '"x"')
      .expect(412);
    const ok = await t.http
      .put(`/api/v1/servers/${id}/scopes/10.2.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'a', confirmDeleteOldPeer: true })
      .expect(200);
    expect(ok.body.deletedPeers).toEqual([]);
  });

  it('DELETE with a replacement when only one other is left and it is not that one is a 400; last peer with replacement 400', async () => {
    const { files, id } = await server(
      `subnet 10.1.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "a";\n    range 10.1.0.10 10.1.0.99;\n  }\n}\n`,
      peer('a', 647),
    );
    const before = await both(files);
    const r = await t.http
      .delete(`/api/v1/servers/${id}/failover-peers/a?replacement=zz`)
      .set(auth())
      .expect(400);
    expect(r.body.errors[0].message).toContain('last failover peer');
    expect(await both(files)).toEqual(before);
  });

  it('a subnet inside a group, and a subnet whose two pools name two peers: first peer, migration, confirmation', async () => {
    const include = `group {
  subnet 10.5.0.0 netmask 255.255.255.0 {
    range 10.5.0.10 10.5.0.99;
  }
}
`;
    const { files, id } = await server(include);
    const created = await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send(PRIMARY)
      .expect(201);
    expect(created.body).toMatchObject({ poolsReferred: 1, scopes: ['10.5.0.0/24'] });
    await run(DHCPD_BIN, ['-t', '-cf', files.configPath, '-lf', files.leasesPath]);

    const two = `subnet 10.6.0.0 netmask 255.255.255.0 {
  pool {
    failover peer "a";
    range 10.6.0.10 10.6.0.49;
  }
  pool {
    failover peer "b";
    range 10.6.0.50 10.6.0.99;
  }
}
subnet 10.7.0.0 netmask 255.255.255.0 {
  pool {
    failover peer "c";
    range 10.7.0.10 10.7.0.99;
  }
}
`;
    const other = await server(two, peer('a', 647) + peer('b', 648) + peer('c', 649));
    const before = await both(other.files);
    const warn = await t.http
      .put(`/api/v1/servers/${other.id}/scopes/10.6.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'c' })
      .expect(409);
    expect(warn.body.peersToDelete).toEqual(['a', 'b']);
    expect(warn.body.detail).toContain('deletes those peers');
    expect(await both(other.files)).toEqual(before);
    const done = await t.http
      .put(`/api/v1/servers/${other.id}/scopes/10.6.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'c', confirmPeerDeletion: true })
      .expect(200);
    expect(done.body).toEqual({ network: '10.6.0.0', peer: 'c', poolsChanged: 2, deletedPeers: ['a', 'b'] });
    expect(await poolPeers(other.id, '10.6.0.0')).toEqual(['c', 'c']);
    expect(await other.files.main()).not.toMatch(/failover peer "[ab]"/);
    await run(DHCPD_BIN, ['-t', '-cf', other.files.configPath, '-lf', other.files.leasesPath]);
  });

  it('a PATCH removing mclt keeps the comments and spacing of the lines around it', async () => {
    const declared = peer('a', 647, 'primary')
      .replace('  mclt 3600;\n', '  # lead time agreed with the NOC\n  mclt 3600;\n\n')
      .replace('  split 128;\n', '  split 128;   # even\n');
    const { files, id } = await server(
      `subnet 10.1.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "a";\n    range 10.1.0.10 10.1.0.99;\n  }\n}\n`,
      declared,
    );
    const before = await files.main();
    await t.http
      .patch(`/api/v1/servers/${id}/failover-peers/a`)
      .set(auth())
      .send({ role: 'secondary', mclt: null, split: null })
      .expect(200);
    const after = await files.main();
    expect(after).toContain('  # lead time agreed with the NOC\n');
    expect(after).not.toMatch(/mclt|split/);
    expect(
      before
        .replace('primary;', 'secondary;')
        .split('\n')
        .filter((line) => !/mclt|split/.test(line)),
    ).toEqual(after.split('\n'));
  });

  it('two PATCHes sent at once with the same If-Match: one is applied, the other is a 412, and only the first is written', async () => {
    const { files, id } = await server(
      `subnet 10.1.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "a";\n    range 10.1.0.10 10.1.0.99;\n  }\n}\n`,
      peer('a', 647),
    );
    const before = await files.main();
    const read = await t.http.get(`/api/v1/servers/${id}/failover-peers/a`).set(auth()).expect(200);
    const send = (delay: number): Promise<{ status: number }> =>
      t.http
        .patch(`/api/v1/servers/${id}/failover-peers/a`)
        .set(auth())
        .set('If-Match', read.headers['etag'])
        .send({ maxResponseDelay: delay })
        .then((response) => response);
    const answers = await Promise.all([send(30), send(40)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 412]);
    const won = answers[0].status === 200 ? 30 : 40;
    expect(await files.main()).toBe(before.replace('max-response-delay 60', `max-response-delay ${won}`));
    expect(await files.restarts()).toHaveLength(1);
  });

  it('a DNS name with a trailing dot or capitals is taken as an address (dhcpd takes it)', async () => {
    const { files, id } = await server(SUBNET);
    await t.http
      .post(`/api/v1/servers/${id}/failover-peers`)
      .set(auth())
      .send({ ...PRIMARY, address: 'DHCP1.Example.net.', peerAddress: 'dhcp2.example.net' })
      .expect(201);
    expect(await files.main()).toContain('  address DHCP1.Example.net.;\n');
    await run(DHCPD_BIN, ['-t', '-cf', files.configPath, '-lf', files.leasesPath]);
  });

  it('migrating a scope to the peer its pools already name changes nothing and does not restart dhcpd', async () => {
    const { files, id } = await server(
      `subnet 10.1.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "a";\n    range 10.1.0.10 10.1.0.99;\n  }\n}\n`,
      peer('a', 647),
    );
    const before = await both(files);
    const same = await t.http
      .put(`/api/v1/servers/${id}/scopes/10.1.0.0/failover-peer`)
      .set(auth())
      .send({ name: 'a', confirmDeleteOldPeer: true })
      .expect(200);
    expect(same.body).toEqual({ network: '10.1.0.0', peer: 'a', poolsChanged: 0, deletedPeers: [] });
    expect(await both(files)).toEqual(before);
    expect(await files.restarts()).toEqual([]);
  });
});
