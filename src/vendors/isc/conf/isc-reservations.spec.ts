import type { ScopeContent } from '../../scope-content.js';
import { changedFiles, loadConf, type ConfSet } from './include-resolver.js';
import { HostNameClashError, SubnetSet } from './isc-reservations.js';
import { applyScope, applyScopes, readScopes } from './isc-subnet.mapper.js';
import { findHosts } from './isc-hosts.js';

const PATH = '/etc/dhcp/dhcpd.conf';

/** A subnet 10.<net>.0.0/24 with hosts (name, last octet of the hardware address, of the fixed address). */
const subnet = (net: number, hosts: Array<[string, number, number]>, extra = ''): string =>
  `subnet 10.0.${net}.0 netmask 255.255.255.0 {\n${extra}` +
  hosts
    .map(
      ([name, mac, octet]) =>
        `  host ${name} { hardware ethernet 0a:00:00:00:00:${mac}; fixed-address 10.0.${net}.${octet}; }\n`,
    )
    .join('') +
  '}\n';

const load = (text: string): Promise<ConfSet> => loadConf(PATH, () => Promise.resolve(text));

/** The scopes a configuration maps to, by network. */
async function scopesOf(text: string): Promise<Map<string, ScopeContent>> {
  return readScopes(await load(text));
}

/** Every host's name, with its fixed addresses, as the written configuration reads. */
function names(set: ConfSet): string[] {
  return findHosts(set)
    .map((host) => `${host.name} ${host.addresses.join(',')}`)
    .sort();
}

const ALL = ['options', 'reservations', 'pools', 'exclusions'] as const;

describe('SubnetSet', () => {
  it('holds the addresses of its subnets, nested or not, and no other', () => {
    const set = new SubnetSet(['10.0.1.0/24', '10.0.0.0/16', '192.168.4.0/30', '10.2.0.0/24']);
    for (const address of ['10.0.0.0', '10.0.1.7', '10.0.255.255', '192.168.4.3', '10.2.0.9'])
      expect([address, set.holds(address)]).toEqual([address, true]);
    for (const address of ['9.255.255.255', '10.1.0.0', '192.168.4.4', '10.2.1.0', '0.0.0.0'])
      expect([address, set.holds(address)]).toEqual([address, false]);
    expect(new SubnetSet([]).holds('10.0.0.1')).toBe(false);
  });
});

describe('host names given once a batch is written (HostRegistry.settleNames)', () => {
  // A statement the model keeps as text, so that no writer could copy these subnets as declarations.
  const ping = '  ping-check true;\n';

  it('two hosts of one subnet trade names in one write (each was kept its old one, the other name being taken)', async () => {
    const source = await scopesOf(
      subnet(
        1,
        [
          ['alpha', 1, 5],
          ['beta', 2, 6],
        ],
        ping,
      ),
    );
    const set = await load(
      subnet(
        1,
        [
          ['beta', 1, 5],
          ['alpha', 2, 6],
        ],
        ping,
      ),
    );
    applyScope(set, source.get('10.0.1.0')!, ALL);
    expect(readScopes(set).get('10.0.1.0')!.reservations).toEqual(source.get('10.0.1.0')!.reservations);
    // Again: nothing to change.
    const again = await load(changedFiles(set).get(PATH)!);
    applyScope(again, source.get('10.0.1.0')!, ALL);
    expect(changedFiles(again).size).toBe(0);
  });

  it.each([
    ['the subnet it leaves first', ['10.0.1.0', '10.0.2.0']],
    ['the subnet it arrives in first', ['10.0.2.0', '10.0.1.0']],
  ])(
    'a name moves between two subnets of one batch, %s; names crossing between two more swap',
    async (_order, order) => {
      const source = await scopesOf(
        subnet(1, [], ping) +
          subnet(2, [['mover', 2, 5]], ping) +
          subnet(3, [['east', 3, 5]]) +
          subnet(4, [['west', 4, 5]]),
      );
      const destination =
        subnet(1, [['mover', 1, 5]], ping) +
        subnet(2, [], ping) +
        subnet(3, [['west', 3, 5]]) +
        subnet(4, [['east', 4, 5]]);
      const set = await load(destination);
      const networks = [...order, '10.0.4.0', '10.0.3.0'];
      applyScopes(
        set,
        networks.map((network) => ({ content: source.get(network)!, parts: ALL })),
      );
      expect(names(set)).toEqual(['east 10.0.3.5', 'mover 10.0.2.5', 'west 10.0.4.5']);
      // One of the subnets alone: the name is still taken by a host that stays.
      const alone = await load(destination);
      expect(() => applyScopes(alone, [{ content: source.get('10.0.2.0')!, parts: ALL }])).toThrow(
        HostNameClashError,
      );
      expect(changedFiles(alone).size).toBe(0);
    },
  );

  it('a name a host the batch leaves in place keeps goes to no other: the new host gets one made from its address', async () => {
    // "twin" has an address in the first subnet and one outside the batch: losing the first, it stays, named so.
    const source = await scopesOf(subnet(1, []) + subnet(2, [['twin', 2, 5]]));
    const set = await load(
      subnet(1, []) +
        subnet(2, []) +
        'host twin { hardware ethernet 0a:00:00:00:00:09; fixed-address 10.0.1.9, 10.0.3.9; }\n',
    );
    applyScopes(set, [
      { content: source.get('10.0.1.0')!, parts: ALL },
      { content: source.get('10.0.2.0')!, parts: ALL },
    ]);
    expect(names(set)).toEqual(['res-10-0-2-5 10.0.2.5', 'twin 10.0.3.9']);
  });

  it('reservations without a name (or one dhcpd does not accept) keep the name their host has, or get one made from the address', async () => {
    const set = await load(subnet(1, [['kept', 1, 5]]));
    const [scope] = readScopes(set).values();
    const reservations = [
      { ...scope.reservations[0], name: undefined },
      { address: '10.0.1.6', hardwareAddress: '0a:00:00:00:00:02', name: 'two words', options: [] },
    ];
    applyScope(set, { ...scope, reservations }, ['reservations']);
    expect(names(set)).toEqual(['kept 10.0.1.5', 'res-10-0-1-6 10.0.1.6']);
  });
});
