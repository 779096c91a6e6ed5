import type { ScopeContent } from '../../scope-content.js';
import { changedFiles, loadConf, type ConfSet } from './include-resolver.js';
import { applyScope, applyScopes, readScopes } from './isc-subnet.mapper.js';

const SOURCE = `failover peer "fo" { primary; address 10.0.0.1; peer address 10.0.0.2; max-response-delay 60; max-unacked-updates 10; mclt 3600; split 128; }

shared-network campus {
  subnet 10.1.1.0 netmask 255.255.255.0 {
    option routers 10.1.1.1;
    pool { failover peer "fo"; range 10.1.1.10 10.1.1.99; }
  }
  subnet 10.1.2.0 netmask 255.255.255.0 {
    option routers 10.1.2.1;
    pool { failover peer "fo"; range 10.1.2.10 10.1.2.99; }
  }
}

subnet 10.1.3.0 netmask 255.255.255.0 {
  range 10.1.3.10 10.1.3.20;
}

host both { hardware ethernet 0a:00:00:00:00:01; fixed-address 10.1.1.5, 10.1.3.5; }
host one { hardware ethernet 0a:00:00:00:00:02; fixed-address 10.1.2.6; }
host fresh { hardware ethernet 0a:00:00:00:00:03; fixed-address 10.1.3.7; }
`;

const DESTINATION = `failover peer "other" { secondary; address 10.0.0.2; peer address 10.0.0.1; max-response-delay 60; max-unacked-updates 10; }

shared-network campus {
  subnet 10.1.1.0 netmask 255.255.255.0 {
    option routers 10.1.1.254;
    pool { failover peer "other"; range 10.1.1.10 10.1.1.50; }
  }
}

subnet 10.1.3.0 netmask 255.255.255.0 {
  range 10.1.3.10 10.1.3.30;
}

host both { hardware ethernet 0a:00:00:00:00:01; fixed-address 10.1.1.4, 10.1.3.4; }
host gone { hardware ethernet 0a:00:00:00:00:09; fixed-address 10.1.3.9; }
`;

async function load(text: string): Promise<ConfSet> {
  return loadConf('/etc/dhcp/dhcpd.conf', () => Promise.resolve(text));
}

const ALL = ['options', 'reservations', 'pools', 'exclusions'] as const;

describe('applyScopes: one batch of subnet writes', () => {
  it('writes the same text as the scopes applied one by one (new subnets, shared hosts, new and removed hosts)', async () => {
    const scopes: ScopeContent[] = [...readScopes(await load(SOURCE)).values()];
    const oneByOne = await load(DESTINATION);
    for (const scope of scopes) applyScope(oneByOne, scope, ALL);
    const batch = await load(DESTINATION);
    applyScopes(
      batch,
      scopes.map((content) => ({ content, parts: ALL })),
    );
    const text = changedFiles(batch).get('/etc/dhcp/dhcpd.conf');
    expect(text).toBe(changedFiles(oneByOne).get('/etc/dhcp/dhcpd.conf'));
    // The host on two subnets ends up with both of the source's addresses; the other hosts follow the source, a new
    // one where the one it replaces was.
    expect(text).toContain(
      'host both { hardware ethernet 0a:00:00:00:00:01; fixed-address 10.1.3.5, 10.1.1.5; }',
    );
    expect(text).not.toContain('host gone');
    expect(
      text!.endsWith(
        '}\nhost fresh {\n  hardware ethernet 0a:00:00:00:00:03;\n  fixed-address 10.1.3.7;\n}\n',
      ),
    ).toBe(true);
    const written = readScopes(await load(text!));
    expect([...written.keys()].sort()).toEqual(['10.1.1.0', '10.1.2.0', '10.1.3.0']);
    expect(written.get('10.1.2.0')).toMatchObject({
      pools: [{ start: '10.1.2.10', end: '10.1.2.99', failoverPeer: 'other' }],
      vendorExtras: { sharedNetwork: 'campus' },
    });
  });

  it('a network written twice takes the last write', async () => {
    const [scope] = [...readScopes(await load(SOURCE), ['10.1.3.0']).values()];
    const set = await load(DESTINATION);
    applyScopes(set, [
      { content: { ...scope, options: [{ code: 3, value: '10.1.3.100' }] }, parts: ['options'] },
      { content: { ...scope, options: [{ code: 3, value: '10.1.3.1' }] }, parts: ['options'] },
    ]);
    expect(readScopes(set, ['10.1.3.0']).get('10.1.3.0')?.options).toEqual([
      { code: 3, name: 'routers', value: '10.1.3.1' },
    ]);
  });
});
