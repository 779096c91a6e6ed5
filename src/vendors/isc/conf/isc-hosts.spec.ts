import { loadConf } from './include-resolver.js';
import { findHosts, HostIndex } from './isc-hosts.js';
import { cidrRange } from './ipv4.js';

const within = async (text: string, cidr: string): Promise<string[]> => {
  const set = await loadConf('/etc/dhcp/dhcpd.conf', () => Promise.resolve(text));
  return new HostIndex(findHosts(set))
    .within(cidrRange(cidr))
    .map(({ host, address }) => `${host.name} ${address}`);
};

describe('HostIndex.within', () => {
  it('lists the hosts with an address in the range, in address order, wherever they are declared', async () => {
    const text = [
      'host late { fixed-address 10.0.1.30; }',
      'subnet 10.0.1.0 netmask 255.255.255.0 {',
      '  host b { fixed-address 10.0.1.20; }',
      '  host a { fixed-address 10.0.1.10; }',
      '  host other { fixed-address 10.0.2.10; }',
      '}',
      'host edge { fixed-address 10.0.1.255; }',
      'host outside { fixed-address 10.0.0.255; }',
    ].join('\n');
    expect(await within(text, '10.0.1.0/24')).toEqual([
      'a 10.0.1.10',
      'b 10.0.1.20',
      'late 10.0.1.30',
      'edge 10.0.1.255',
    ]);
    expect(await within(text, '10.0.2.0/24')).toEqual(['other 10.0.2.10']);
    expect(await within(text, '10.0.3.0/24')).toEqual([]);
  });

  it('lists a host with several addresses in the range once, at its lowest; equal addresses in declaration order', async () => {
    const text = [
      'host multi { fixed-address 10.0.1.40, 10.0.1.5, 10.0.2.1; }',
      'host first { fixed-address 10.0.1.20; }',
      'host second { fixed-address 10.0.1.20; }',
      'host named { fixed-address dhcp.example.org; }',
    ].join('\n');
    expect(await within(text, '10.0.1.0/24')).toEqual([
      'multi 10.0.1.5',
      'first 10.0.1.20',
      'second 10.0.1.20',
    ]);
    expect(await within(text, '10.0.2.0/24')).toEqual(['multi 10.0.2.1']);
  });
});
