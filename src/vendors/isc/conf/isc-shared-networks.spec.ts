import type { ScopeContent } from '../../scope-content.js';
import { loadConf, type ConfSet } from './include-resolver.js';
import { applyScopes, readScopes } from './isc-subnet.mapper.js';
import { print } from './printer.js';

const SOURCE = `failover peer "fo" {
  primary;
  address 10.0.0.1;
  peer address 10.0.0.2;
  max-response-delay 60;
  max-unacked-updates 10;
  mclt 3600;
  split 128;
}

shared-network "floor 2" {
  option domain-name "floor2.example";   # the link's own
  authoritative;
  include "/etc/dhcp/floor2-extra.conf";
  subnet 10.2.0.0 netmask 255.255.255.0 {
    option routers 10.2.0.1;
    pool {
      failover peer "fo";
      range 10.2.0.10 10.2.0.99;
    }
  }
  subnet 10.2.1.0 netmask 255.255.255.0 {
    pool {
      failover peer "fo";
      range 10.2.1.10 10.2.1.99;
    }
  }
}

subnet 10.9.0.0 netmask 255.255.255.0 {
  range 10.9.0.10 10.9.0.20;
}
`;

const DESTINATION = `failover peer "fo" {
  secondary;
  address 10.0.0.2;
  peer address 10.0.0.1;
  max-response-delay 60;
  max-unacked-updates 10;
}
`;

function load(files: Record<string, string>): Promise<ConfSet> {
  return loadConf('/etc/dhcp/dhcpd.conf', (path) =>
    files[path] === undefined ? Promise.reject(new Error(`no ${path}`)) : Promise.resolve(files[path]),
  );
}

const ALL = ['options', 'reservations', 'pools', 'exclusions'] as const;

describe('a subnet in a shared-network', () => {
  let source: Map<string, ScopeContent>;

  beforeAll(async () => {
    source = readScopes(
      await load({
        '/etc/dhcp/dhcpd.conf': SOURCE,
        '/etc/dhcp/floor2-extra.conf': 'ping-check true;\n',
      }),
    );
  });

  it("is read with the shared-network's name and its own statements (not its subnets', pools' or includes)", () => {
    expect(source.get('10.2.0.0')?.vendorExtras).toEqual({
      sharedNetwork: 'floor 2',
      sharedNetworkStatements: ['option domain-name "floor2.example";', 'authoritative;'],
    });
    expect(source.get('10.9.0.0')?.vendorExtras).toBeUndefined();
  });

  it("is created on a server without that shared-network inside a new one like the source's, its sibling beside it", async () => {
    const destination = await load({ '/etc/dhcp/dhcpd.conf': DESTINATION });
    applyScopes(
      destination,
      ['10.2.0.0', '10.2.1.0', '10.9.0.0'].map((network) => ({ content: source.get(network)!, parts: ALL })),
    );
    const text = print(destination.files.get('/etc/dhcp/dhcpd.conf')!);
    expect(text.slice(DESTINATION.length)).toBe(
      [
        'shared-network "floor 2" {',
        '  option domain-name "floor2.example";',
        '  authoritative;',
        '  subnet 10.2.0.0 netmask 255.255.255.0 {',
        '    option routers 10.2.0.1;',
        '    pool {',
        '      failover peer "fo";',
        '      range 10.2.0.10 10.2.0.99;',
        '    }',
        '  }',
        '  subnet 10.2.1.0 netmask 255.255.255.0 {',
        '    pool {',
        '      failover peer "fo";',
        '      range 10.2.1.10 10.2.1.99;',
        '    }',
        '  }',
        '}',
        'subnet 10.9.0.0 netmask 255.255.255.0 {',
        '  range 10.9.0.10 10.9.0.20;',
        '}',
        '',
      ].join('\n'),
    );
    // Read back, the copies say what the source's scopes say.
    const copies = readScopes(destination);
    for (const network of ['10.2.0.0', '10.2.1.0', '10.9.0.0']) {
      expect(copies.get(network)).toEqual(source.get(network));
    }
  });

  it("goes into the destination's shared-network of that name, which keeps its own statements", async () => {
    const own = `${DESTINATION}shared-network "floor 2" {\n  option domain-name "mine.example";\n}\n`;
    const destination = await load({ '/etc/dhcp/dhcpd.conf': own });
    applyScopes(destination, [{ content: source.get('10.2.1.0')!, parts: ALL }]);
    const text = print(destination.files.get('/etc/dhcp/dhcpd.conf')!);
    expect(text).toContain(
      'shared-network "floor 2" {\n  option domain-name "mine.example";\n  subnet 10.2.1.0',
    );
    expect(text.match(/shared-network/g)).toHaveLength(1);
  });

  it('takes none of statements that do not parse, and the shared-network still holds the subnet', async () => {
    const destination = await load({ '/etc/dhcp/dhcpd.conf': DESTINATION });
    const content = source.get('10.2.1.0')!;
    applyScopes(destination, [
      {
        content: {
          ...content,
          vendorExtras: { sharedNetwork: 'lab', sharedNetworkStatements: ['authoritative;', 'option {'] },
        },
        parts: ALL,
      },
    ]);
    const text = print(destination.files.get('/etc/dhcp/dhcpd.conf')!);
    expect(text).toContain('shared-network "lab" {\n  subnet 10.2.1.0 netmask 255.255.255.0 {');
    expect(text).not.toContain('authoritative');
  });
});
