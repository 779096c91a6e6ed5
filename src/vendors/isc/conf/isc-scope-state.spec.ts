import { changedFiles, loadConf, type ConfSet } from './include-resolver.js';
import { isSubnetDisabled, removeSubnet, setSubnetEnabled } from './isc-scope-state.js';
import { applyScope, findSubnet, readScopes } from './isc-subnet.mapper.js';

const CONF = `shared-network campus {
  option domain-name-servers 10.0.0.53;

  subnet 10.1.2.0 netmask 255.255.255.0 {
    option routers 10.1.2.1;
    range 10.1.2.200 10.1.2.210;
    pool {
      failover peer "fo";
      range 10.1.2.10 10.1.2.99;
    }
  }
}

subnet 10.1.3.0 netmask 255.255.255.0 {
  pool {
    deny all clients;
    range 10.1.3.10 10.1.3.20;
  }
  pool {
    range 10.1.3.30 10.1.3.40;
  }
}

subnet 10.1.4.0 netmask 255.255.255.0 {
}
`;

async function load(text = CONF): Promise<ConfSet> {
  return loadConf('/etc/dhcp/dhcpd.conf', () => Promise.resolve(text));
}

function printed(set: ConfSet): string {
  return changedFiles(set).get('/etc/dhcp/dhcpd.conf') ?? CONF;
}

describe('scope state: disable as "deny all clients" in every pool', () => {
  it('disables: pools get the statement after their peer, a bare range becomes a pool of its own', async () => {
    const set = await load();
    const subnet = findSubnet(set, '10.1.2.0')!;
    expect(isSubnetDisabled(subnet.node)).toBe(false);
    setSubnetEnabled(subnet.file, subnet.node, false);
    expect(isSubnetDisabled(subnet.node)).toBe(true);
    expect(printed(set)).toContain(`  subnet 10.1.2.0 netmask 255.255.255.0 {
    option routers 10.1.2.1;
    pool {
      deny all clients;
      range 10.1.2.200 10.1.2.210;
    }
    pool {
      failover peer "fo";
      deny all clients;
      range 10.1.2.10 10.1.2.99;
    }
  }`);
    const scope = readScopes(set, ['10.1.2.0']).get('10.1.2.0')!;
    expect(scope).toMatchObject({ enabled: false });
    expect(scope.vendorExtras?.['poolStatements']).toBeUndefined();

    // Idempotent, and enabling takes the statements away again.
    const once = printed(set);
    setSubnetEnabled(subnet.file, subnet.node, false);
    expect(printed(set)).toBe(once);
    setSubnetEnabled(subnet.file, subnet.node, true);
    expect(printed(set)).not.toContain('deny all clients;\n      range 10.1.2');
    expect(readScopes(set, ['10.1.2.0']).get('10.1.2.0')).toMatchObject({ enabled: true });
  });

  it('a pool an administrator closed on its own is not a disabled scope, and enabling leaves it closed', async () => {
    const set = await load();
    const subnet = findSubnet(set, '10.1.3.0')!;
    expect(readScopes(set, ['10.1.3.0']).get('10.1.3.0')).toMatchObject({
      enabled: true,
      vendorExtras: { poolStatements: [['deny all clients;']] },
    });
    setSubnetEnabled(subnet.file, subnet.node, true);
    expect(changedFiles(set).size).toBe(0);
  });

  it('the state travels with the options part of a write, and stays as it was otherwise', async () => {
    const set = await load();
    const source = readScopes(await load(), ['10.1.2.0']).get('10.1.2.0')!;
    applyScope(set, { ...source, enabled: false }, ['options']);
    expect(isSubnetDisabled(findSubnet(set, '10.1.2.0')!.node)).toBe(true);
    // A pools-only write onto a disabled subnet keeps new ranges closed too.
    applyScope(set, { ...source, pools: [...source.pools, { start: '10.1.2.150', end: '10.1.2.160' }] }, [
      'pools',
    ]);
    expect(isSubnetDisabled(findSubnet(set, '10.1.2.0')!.node)).toBe(true);
    applyScope(set, { ...source, enabled: true }, ['options']);
    expect(isSubnetDisabled(findSubnet(set, '10.1.2.0')!.node)).toBe(false);
  });

  it('removing the last subnet of a shared-network removes the shared-network', async () => {
    const set = await load();
    removeSubnet(set, findSubnet(set, '10.1.2.0')!);
    expect(printed(set).startsWith('subnet 10.1.3.0 netmask 255.255.255.0 {')).toBe(true);
    removeSubnet(set, findSubnet(set, '10.1.4.0')!);
    expect(printed(set).endsWith('    range 10.1.3.30 10.1.3.40;\n  }\n}\n')).toBe(true);
  });

  it('a shared-network that keeps a subnet stays', async () => {
    const text = CONF.replace(
      '  }\n}\n\nsubnet 10.1.3.0',
      '  }\n\n  subnet 10.1.5.0 netmask 255.255.255.0 {\n  }\n}\n\nsubnet 10.1.3.0',
    );
    const set = await load(text);
    removeSubnet(set, findSubnet(set, '10.1.2.0')!);
    const out = changedFiles(set).get('/etc/dhcp/dhcpd.conf')!;
    expect(
      out.startsWith('shared-network campus {\n  option domain-name-servers 10.0.0.53;\n\n  subnet 10.1.5.0'),
    ).toBe(true);
  });
});
