import { ProblemException } from '../../common/problem/problem.exception.js';
import { changedFiles, loadConf, type ConfSet } from './conf/include-resolver.js';
import type { IscFailoverPeer } from './conf/isc-peer.mapper.js';
import { createPeer, deletePeer, planPeerDeletion, updatePeer } from './isc-peer-rules.js';
import { peerViews } from './isc-peer-views.js';
import { migrateScope } from './isc-pool-migration.js';

const PATH = '/etc/dhcp/dhcpd.conf';

function peerText(name: string, port: number): string {
  return `failover peer "${name}" {
  primary;
  address 10.0.0.1;
  port ${port};
  peer address 10.0.0.2;
  peer port ${port};
  max-response-delay 60;
  max-unacked-updates 10;
  mclt 3600;
  split 128;
}
`;
}

function subnet(octet: number, peer?: string): string {
  const pool = peer
    ? `  pool {\n    failover peer "${peer}";\n    range 10.${octet}.0.10 10.${octet}.0.20;\n  }\n`
    : `  range 10.${octet}.0.10 10.${octet}.0.20;\n`;
  return `subnet 10.${octet}.0.0 netmask 255.255.255.0 {\n${pool}}\n`;
}

function load(text: string): Promise<ConfSet> {
  return loadConf(PATH, () => Promise.resolve(text));
}

function text(set: ConfSet): string {
  return changedFiles(set).get(PATH) ?? set.originals.get(PATH)!;
}

function problemOf(run: () => unknown): ProblemException {
  try {
    run();
  } catch (error) {
    if (error instanceof ProblemException) return error;
    throw error;
  }
  throw new Error('expected a problem');
}

const NEW: IscFailoverPeer = {
  name: 'fo',
  role: 'primary',
  address: '10.0.0.1',
  port: 647,
  peerAddress: '10.0.0.2',
  peerPort: 647,
  maxResponseDelay: 60,
  maxUnackedUpdates: 10,
  mclt: 3600,
  split: 128,
};
const OPTIONS = { scopes: [], confirmDeleteOldPeer: false, serverName: 's1' };

describe('ISC failover peer rules (seed)', () => {
  it("the server's first peer: every other address pool refers to it", async () => {
    const set = await load(`authoritative;\n\n${subnet(1)}\n${subnet(2)}`);
    const created = createPeer(set, NEW, OPTIONS);
    expect(created).toMatchObject({ firstPeer: true, poolsReferred: 2 });
    expect(peerViews(set)).toEqual([
      expect.objectContaining({ name: 'fo', pools: 2, scopes: ['10.1.0.0/24', '10.2.0.0/24'] }),
    ]);
    expect(text(set)).toContain('pool {\n    failover peer "fo";\n    range 10.1.0.10 10.1.0.20;\n  }');
  });

  it('a secondary with mclt or split is a 400 naming the fields; a taken name is a 409', async () => {
    const set = await load(subnet(1));
    const problem = problemOf(() =>
      createPeer(set, { ...NEW, role: 'secondary', mclt: 3600, split: 128 }, OPTIONS),
    );
    expect(problem.status).toBe(400);
    expect(problem.extensions['errors']).toEqual([
      { field: 'mclt', message: 'mclt is set on the primary only' },
      { field: 'split', message: 'split is set on the primary only' },
    ]);
    expect(changedFiles(set).size).toBe(0);
    const taken = await load(peerText('fo', 647) + subnet(1, 'fo'));
    expect(problemOf(() => createPeer(taken, NEW, OPTIONS)).status).toBe(409);
  });

  it('another peer takes the pools holding the addresses in pools, one pool each, wherever their scopes', async () => {
    const twoPools = `subnet 10.7.0.0 netmask 255.255.255.0 {
  pool {
    failover peer "a";
    range 10.7.0.10 10.7.0.20;
  }
  pool {
    failover peer "a";
    range 10.7.0.30 10.7.0.40;
  }
}
`;
    const set = await load(peerText('a', 647) + subnet(1, 'a') + twoPools);
    const created = createPeer(
      set,
      { ...NEW, port: 648, peerPort: 648 },
      {
        ...OPTIONS,
        pools: ['10.7.0.35', '10.1.0.10'],
      },
    );
    expect(created).toMatchObject({
      firstPeer: false,
      migrations: [
        { network: '10.7.0.0', pool: '10.7.0.35', peer: 'fo', poolsChanged: 1, deletedPeers: [] },
        { network: '10.1.0.0', pool: '10.1.0.10', peer: 'fo', poolsChanged: 1, deletedPeers: [] },
      ],
    });
    expect(peerViews(set).map((peer) => [peer.name, peer.pools])).toEqual([
      ['a', 1],
      ['fo', 2],
    ]);
    // An address no subnet holds, and one a subnet holds outside its ranges: 404s, nothing changed.
    const again = await load(peerText('a', 647) + subnet(1, 'a') + twoPools);
    for (const address of ['10.99.0.1', '10.7.0.25']) {
      const problem = problemOf(() => createPeer(again, NEW, { ...OPTIONS, pools: [address] }));
      expect(problem.status).toBe(404);
      expect(problem.detail).toContain(address);
    }
    expect(changedFiles(again).size).toBe(0);
  });

  it('deleting: the last peer drops its references; one other left takes them; two left need a replacement', async () => {
    const last = await load(peerText('a', 647) + subnet(1, 'a'));
    expect(deletePeer(last, 'a', undefined, 's1')).toEqual({
      name: 'a',
      outcome: 'references-removed',
      pools: 1,
      scopes: ['10.1.0.0/24'],
    });
    expect(text(last)).toBe(
      subnet(1).replace('  range', '  pool {\n    range').replace('20;\n', '20;\n  }\n'),
    );

    const two = await load(peerText('a', 647) + peerText('b', 648) + subnet(1, 'a') + subnet(2, 'b'));
    expect(deletePeer(two, 'a', undefined, 's1')).toMatchObject({ replacement: 'b', pools: 1 });
    expect(peerViews(two).map((peer) => [peer.name, peer.pools])).toEqual([['b', 2]]);

    const three = await load(
      peerText('a', 647) +
        peerText('b', 648) +
        peerText('c', 649) +
        subnet(1, 'a') +
        subnet(2, 'b') +
        subnet(3, 'c'),
    );
    const choose = problemOf(() => deletePeer(three, 'a', undefined, 's1'));
    expect(choose.status).toBe(409);
    expect(choose.extensions).toMatchObject({ choices: ['b', 'c'], pools: 1 });
    expect(problemOf(() => deletePeer(three, 'a', 'a', 's1')).status).toBe(400);
    expect(deletePeer(three, 'a', 'c', 's1')).toMatchObject({ replacement: 'c' });
    expect(peerViews(three).map((peer) => [peer.name, peer.pools])).toEqual([
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('the plan of a deletion says what deletePeer would do and changes nothing', async () => {
    const peers = peerText('a', 647) + peerText('b', 648) + peerText('c', 649);
    const three = await load(peers + subnet(1, 'a') + subnet(2, 'b') + subnet(3, 'c'));
    expect(planPeerDeletion(three, 'a', undefined, 's1')).toEqual({
      outcome: 'choice-needed',
      choices: ['b', 'c'],
      pools: 1,
      scopes: ['10.1.0.0/24'],
    });
    expect(planPeerDeletion(three, 'a', 'c', 's1')).toEqual({
      outcome: 'references-moved',
      replacement: 'c',
      pools: 1,
      scopes: ['10.1.0.0/24'],
    });
    const wrong = problemOf(() => planPeerDeletion(three, 'a', 'zz', 's1'));
    expect(wrong.status).toBe(400);
    expect(wrong.detail).toContain('"b", "c"');
    expect(changedFiles(three).size).toBe(0);

    // Two others left but no pool names it: nothing to move, so no choice to make.
    const unused = await load(peers + subnet(2, 'b') + subnet(3, 'c') + subnet(4));
    expect(planPeerDeletion(unused, 'a', undefined, 's1')).toEqual({
      outcome: 'references-moved',
      pools: 0,
      scopes: [],
    });
    const one = await load(peerText('a', 647) + peerText('b', 648) + subnet(1, 'a') + subnet(2, 'b'));
    expect(planPeerDeletion(one, 'a', undefined, 's1')).toMatchObject({
      outcome: 'references-moved',
      replacement: 'b',
    });
    const last = await load(peerText('a', 647) + subnet(1, 'a'));
    expect(planPeerDeletion(last, 'a', undefined, 's1')).toMatchObject({ outcome: 'references-removed' });
    expect(problemOf(() => planPeerDeletion(last, 'a', 'b', 's1')).status).toBe(400);
  });

  it("moving a scope that holds a peer's last pools needs the caller's confirmation, then deletes that peer", async () => {
    const set = await load(peerText('a', 647) + peerText('b', 648) + subnet(1, 'a') + subnet(2, 'b'));
    const warn = problemOf(() => migrateScope(set, '10.1.0.0', 'b', { confirmDeleteOldPeer: false }, 's1'));
    expect(warn.status).toBe(409);
    expect(warn.extensions).toMatchObject({ peersToDelete: ['a'] });
    expect(changedFiles(set).size).toBe(0);
    expect(migrateScope(set, '10.1.0.0', 'b', { confirmDeleteOldPeer: true }, 's1')).toEqual({
      network: '10.1.0.0',
      peer: 'b',
      poolsChanged: 1,
      deletedPeers: ['a'],
    });
    expect(peerViews(set).map((peer) => [peer.name, peer.pools])).toEqual([['b', 2]]);
    expect(
      problemOf(() => migrateScope(set, '10.9.0.0', 'b', { confirmDeleteOldPeer: true }, 's1')).status,
    ).toBe(404);
    expect(
      problemOf(() => migrateScope(set, '10.1.0.0', 'nope', { confirmDeleteOldPeer: true }, 's1')).status,
    ).toBe(404);
  });

  it("moving one pool (picked by an address in it) leaves the scope's other pools; its peer's last pool needs the confirmation", async () => {
    const mixed = `subnet 10.7.0.0 netmask 255.255.255.0 {
  pool {
    failover peer "a";
    range 10.7.0.10 10.7.0.20;
  }
  pool {
    failover peer "b";
    range 10.7.0.30 10.7.0.40;
    range 10.7.0.50 10.7.0.60;
  }
  range 10.7.0.70 10.7.0.80;
  pool {
    allow dynamic bootp clients;
    range dynamic-bootp 10.7.0.90 10.7.0.99;
  }
}
`;
    const set = await load(peerText('a', 647) + peerText('b', 648) + subnet(1, 'a') + mixed);
    // The second pool is b's only one: moving it (by its second range) deletes b, once confirmed.
    const warn = problemOf(() =>
      migrateScope(set, '10.7.0.0', 'a', { confirmDeleteOldPeer: false, pool: '10.7.0.55' }, 's1'),
    );
    expect(warn.status).toBe(409);
    expect(warn.extensions).toMatchObject({ peersToDelete: ['b'] });
    expect(changedFiles(set).size).toBe(0);
    expect(
      migrateScope(set, '10.7.0.0', 'a', { confirmDeleteOldPeer: true, pool: '10.7.0.55' }, 's1'),
    ).toEqual({
      network: '10.7.0.0',
      pool: '10.7.0.55',
      peer: 'a',
      poolsChanged: 1,
      deletedPeers: ['b'],
    });
    // The bare range becomes a pool of its own; the first pool and the dynamic-bootp one are as they were.
    expect(
      migrateScope(set, '10.7.0.0', 'a', { confirmDeleteOldPeer: false, pool: '10.7.0.70' }, 's1'),
    ).toMatchObject({ poolsChanged: 1, deletedPeers: [] });
    expect(text(set)).toContain(`subnet 10.7.0.0 netmask 255.255.255.0 {
  pool {
    failover peer "a";
    range 10.7.0.10 10.7.0.20;
  }
  pool {
    failover peer "a";
    range 10.7.0.30 10.7.0.40;
    range 10.7.0.50 10.7.0.60;
  }
  pool {
    failover peer "a";
    range 10.7.0.70 10.7.0.80;
  }
  pool {
    allow dynamic bootp clients;
    range dynamic-bootp 10.7.0.90 10.7.0.99;
  }
}`);
    expect(peerViews(set).map((peer) => peer.name)).toEqual(['a']);
    const outside = problemOf(() =>
      migrateScope(set, '10.7.0.0', 'a', { confirmDeleteOldPeer: true, pool: '10.7.0.25' }, 's1'),
    );
    expect([outside.status, outside.detail]).toEqual([
      404,
      'subnet 10.7.0.0/24 on s1 has no address pool holding 10.7.0.25',
    ]);
    const bootp = problemOf(() =>
      migrateScope(set, '10.7.0.0', 'a', { confirmDeleteOldPeer: true, pool: '10.7.0.95' }, 's1'),
    );
    expect(bootp.status).toBe(409);
    expect(bootp.detail).toContain('serves dynamic-bootp clients');
  });

  it('editing: only changed statements; null removes a field; a secondary keeping mclt is a 400', async () => {
    const set = await load(peerText('a', 647) + subnet(1, 'a'));
    updatePeer(set, 'a', { maxResponseDelay: 30 }, 's1');
    expect(text(set)).toBe((peerText('a', 647) + subnet(1, 'a')).replace('delay 60', 'delay 30'));
    expect(problemOf(() => updatePeer(set, 'a', { role: 'secondary' }, 's1')).status).toBe(400);
    const peer = updatePeer(set, 'a', { role: 'secondary', mclt: null, split: null }, 's1');
    expect(peer).toMatchObject({ role: 'secondary', pools: 1 });
    expect(peer.mclt).toBeUndefined();
    expect(text(set)).not.toContain('mclt');
  });
});
