import type { ScopeContent } from '../../scope-content.js';
import { changedFiles, loadConf, type ConfSet } from './include-resolver.js';
import { SharedPoolWriteError } from './isc-pools.js';
import { HostNameClashError } from './isc-reservations.js';
import { applyScope, findSubnets, partialRangesCopy, readScopes } from './isc-subnet.mapper.js';
import { UndefinedOptionError } from './option-edit.js';
import { print } from './printer.js';

const MAIN = `# site config
option domain-name "example.org";
option voip-tftp code 150 = ip-address;

failover peer "dst-peer" {
  primary;
  address 10.0.0.1;
  peer address 10.0.0.2;
  max-response-delay 60;
  max-unacked-updates 10;
  mclt 3600;
  split 128;
}

shared-network "campus" {
  subnet 10.1.2.0 netmask 255.255.255.0 {
    option routers 10.1.2.1;   # gateway
    option domain-name-servers 10.0.0.53, 10.0.0.54;
    option voip-tftp 10.0.0.69;
    option domain-name = concat("x", "y");
    default-lease-time 3600;
    max-lease-time 7200;
    range 10.1.2.200 10.1.2.210;
    pool {
      failover peer "dst-peer";
      deny dynamic bootp clients;
      range 10.1.2.10 10.1.2.99;
      range 10.1.2.120 10.1.2.149;
    }
    host inside {
      hardware ethernet 00:AA:bb:cc:dd:01;
      fixed-address 10.1.2.5;
    }
  }
}

include "/etc/dhcp/hosts.conf";
`;

const HOSTS = `group {
  host printer {
    hardware ethernet 0:11:22:33:44:55;
    fixed-address 10.1.2.6, 10.9.9.9;
    option host-name "printer";
    filename "pxe.0";
  }
  host phone {
    option dhcp-client-identifier "phone-1";
    fixed-address 10.1.2.7;
  }
}
`;

async function load(files: Record<string, string> = {}): Promise<ConfSet> {
  const all: Record<string, string> = {
    '/etc/dhcp/dhcpd.conf': MAIN,
    '/etc/dhcp/hosts.conf': HOSTS,
    ...files,
  };
  return loadConf('/etc/dhcp/dhcpd.conf', (path) => {
    const text = all[path];
    return text === undefined ? Promise.reject(new Error(`no such file ${path}`)) : Promise.resolve(text);
  });
}

function diffLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = new Set(after.split('\n'));
  const removed = a.filter((line) => !b.has(line)).map((line) => `- ${line}`);
  const kept = new Set(a);
  const added = after
    .split('\n')
    .filter((line) => !kept.has(line))
    .map((line) => `+ ${line}`);
  return [...removed, ...added];
}

describe('ISC subnet mapping', () => {
  it('reads a subnet into the model, with hosts from anywhere and what the model cannot hold in vendorExtras', async () => {
    const set = await load();
    expect(findSubnets(set).map((subnet) => [subnet.cidr, subnet.sharedNetwork])).toEqual([
      ['10.1.2.0/24', 'campus'],
    ]);
    const scope = readScopes(set).get('10.1.2.0');
    expect(scope).toEqual({
      subnet: '10.1.2.0/24',
      enabled: true,
      leaseTime: 3600,
      pools: [
        { start: '10.1.2.200', end: '10.1.2.210' },
        { start: '10.1.2.10', end: '10.1.2.99', failoverPeer: 'dst-peer' },
        { start: '10.1.2.120', end: '10.1.2.149', failoverPeer: 'dst-peer' },
      ],
      exclusions: [
        { start: '10.1.2.1', end: '10.1.2.9' },
        { start: '10.1.2.100', end: '10.1.2.119' },
        { start: '10.1.2.150', end: '10.1.2.199' },
        { start: '10.1.2.211', end: '10.1.2.254' },
      ],
      reservations: [
        { address: '10.1.2.5', hardwareAddress: '00:aa:bb:cc:dd:01', name: 'inside', options: [] },
        {
          address: '10.1.2.6',
          hardwareAddress: '00:11:22:33:44:55',
          name: 'printer',
          options: [{ code: 12, name: 'host-name', value: 'printer' }],
        },
        { address: '10.1.2.7', clientId: '70:68:6f:6e:65:2d:31', name: 'phone', options: [] },
      ],
      options: [
        { code: 3, name: 'routers', value: '10.1.2.1' },
        { code: 6, name: 'domain-name-servers', value: '10.0.0.53, 10.0.0.54' },
        { code: 150, name: 'voip-tftp', value: '10.0.0.69' },
      ],
      vendorExtras: {
        sharedNetwork: 'campus',
        statements: ['option domain-name = concat("x", "y");', 'max-lease-time 7200;'],
        poolStatements: [['deny dynamic bootp clients;']],
        hostStatements: { printer: ['filename "pxe.0";'] },
        optionDefinitions: ['option voip-tftp code 150 = ip-address;'],
      },
    });
  });

  it('writes back what it read without changing a byte', async () => {
    const set = await load();
    const scope = readScopes(set).get('10.1.2.0')!;
    applyScope(set, scope, ['options', 'reservations', 'pools', 'exclusions']);
    expect(changedFiles(set).size).toBe(0);
  });

  it('changes only the lines of the changed options and lease time', async () => {
    const set = await load();
    const scope = readScopes(set).get('10.1.2.0')!;
    applyScope(
      set,
      {
        ...scope,
        leaseTime: 600,
        options: [
          { code: 3, name: 'routers', value: '10.1.2.254' },
          { code: 15, name: 'domain-name', value: 'campus.example' },
          { code: 150, value: '10.0.0.69' },
        ],
      },
      ['options'],
    );
    const changed = changedFiles(set);
    expect([...changed.keys()]).toEqual(['/etc/dhcp/dhcpd.conf']);
    expect(diffLines(MAIN, changed.get('/etc/dhcp/dhcpd.conf')!)).toEqual([
      '-     option routers 10.1.2.1;   # gateway',
      '-     option domain-name-servers 10.0.0.53, 10.0.0.54;',
      '-     default-lease-time 3600;',
      '+     option routers 10.1.2.254;   # gateway',
      '+     option domain-name "campus.example";',
      '+     default-lease-time 600;',
    ]);
  });

  it('a source subnet without a lease time of its own leaves the copy without one (it inherits, as the source does)', async () => {
    const set = await load();
    const { leaseTime: _inherited, ...scope } = readScopes(set).get('10.1.2.0')!;
    applyScope(set, scope, ['options']);
    expect(diffLines(MAIN, print(set.files.get('/etc/dhcp/dhcpd.conf')!))).toEqual([
      '-     default-lease-time 3600;',
    ]);
    expect(readScopes(set).get('10.1.2.0')!.leaseTime).toBeUndefined();
  });

  it('re-cuts ranges for exclusions, keeping pools, peer and pool statements', async () => {
    const set = await load();
    const scope = readScopes(set).get('10.1.2.0')!;
    applyScope(
      set,
      { ...scope, exclusions: [...scope.exclusions, { start: '10.1.2.50', end: '10.1.2.59' }] },
      ['exclusions'],
    );
    const after = readScopes(set).get('10.1.2.0')!;
    expect(after.pools).toEqual([
      { start: '10.1.2.200', end: '10.1.2.210' },
      { start: '10.1.2.10', end: '10.1.2.49', failoverPeer: 'dst-peer' },
      { start: '10.1.2.120', end: '10.1.2.149', failoverPeer: 'dst-peer' },
      { start: '10.1.2.60', end: '10.1.2.99', failoverPeer: 'dst-peer' },
    ]);
    expect(diffLines(MAIN, print(set.files.get('/etc/dhcp/dhcpd.conf')!))).toEqual([
      '-       range 10.1.2.10 10.1.2.99;',
      '+       range 10.1.2.10 10.1.2.49;',
      '+       range 10.1.2.60 10.1.2.99;',
    ]);
  });

  it("replaces pools from another server's scope, keeping the destination's own peer name", async () => {
    const set = await load();
    const source: ScopeContent = {
      subnet: '10.1.2.0/24',
      enabled: true,
      pools: [{ start: '10.1.2.10', end: '10.1.2.180', failoverPeer: 'src-peer' }],
      exclusions: [{ start: '10.1.2.100', end: '10.1.2.109' }],
      reservations: [],
      options: [],
    };
    applyScope(set, source, ['pools', 'exclusions']);
    const after = readScopes(set).get('10.1.2.0')!;
    expect(after.pools).toEqual([
      { start: '10.1.2.10', end: '10.1.2.99', failoverPeer: 'dst-peer' },
      { start: '10.1.2.110', end: '10.1.2.180', failoverPeer: 'dst-peer' },
    ]);
    expect(print(set.files.get('/etc/dhcp/dhcpd.conf')!)).not.toContain('range 10.1.2.200');
  });

  it('replaces reservations: edits matched hosts in place, drops others, adds new ones after the last host', async () => {
    const set = await load();
    const scope = readScopes(set).get('10.1.2.0')!;
    applyScope(
      set,
      {
        ...scope,
        reservations: [
          { ...scope.reservations[1], address: '10.1.2.16' },
          { address: '10.1.2.8', hardwareAddress: 'aa:aa:aa:aa:aa:aa', name: 'new host', options: [] },
        ],
      },
      ['reservations'],
    );
    const changed = changedFiles(set);
    expect(diffLines(HOSTS, changed.get('/etc/dhcp/hosts.conf')!)).toEqual(
      [
        '    fixed-address 10.1.2.6, 10.9.9.9;',
        '  host phone {',
        '    option dhcp-client-identifier "phone-1";',
        '    fixed-address 10.1.2.7;',
        '+     fixed-address 10.1.2.16, 10.9.9.9;',
        '+   host res-10-1-2-8 {',
        '+     hardware ethernet aa:aa:aa:aa:aa:aa;',
        '+     fixed-address 10.1.2.8;',
      ].map((line) => (line.startsWith('+') ? line : `- ${line}`)),
    );
    expect(changed.get('/etc/dhcp/dhcpd.conf')).not.toContain('host inside');
    expect(
      readScopes(set)
        .get('10.1.2.0')!
        .reservations.map((r) => r.address),
    ).toEqual(['10.1.2.8', '10.1.2.16']);
  });

  it('creates an absent subnet inside the shared-network the source named', async () => {
    const set = await load();
    applyScope(
      set,
      {
        subnet: '10.1.3.0/24',
        enabled: true,
        leaseTime: 900,
        pools: [{ start: '10.1.3.10', end: '10.1.3.20', failoverPeer: 'elsewhere' }],
        exclusions: [],
        reservations: [{ address: '10.1.3.5', hardwareAddress: '02:00:00:00:00:05', options: [] }],
        options: [{ code: 3, name: 'routers', value: '10.1.3.1' }],
        vendorExtras: { sharedNetwork: 'campus', statements: ['max-lease-time 7200;'] },
      },
      ['options', 'reservations', 'pools', 'exclusions'],
    );
    const text = print(set.files.get('/etc/dhcp/dhcpd.conf')!);
    expect(text).toContain(
      [
        '  subnet 10.1.3.0 netmask 255.255.255.0 {',
        '    option routers 10.1.3.1;',
        '    default-lease-time 900;',
        '    max-lease-time 7200;',
        '    pool {',
        '      failover peer "dst-peer";',
        '      range 10.1.3.10 10.1.3.20;',
        '    }',
        '  }',
        '  host res-10-1-3-5 {',
        '    hardware ethernet 02:00:00:00:00:05;',
        '    fixed-address 10.1.3.5;',
        '  }',
        '}',
      ].join('\n'),
    );
  });

  it('carries an option the source defines itself: the destination gets the definition, before any use', async () => {
    const source = await loadConf('/src.conf', () =>
      Promise.resolve(
        'option site-info code 224 = text;\n' +
          'subnet 10.9.0.0 netmask 255.255.255.0 {\n  option site-info "subnet";\n' +
          '  host lab { hardware ethernet 0a:00:00:00:00:01; fixed-address 10.9.0.5; option site-info "lab"; }\n}\n',
      ),
    );
    const scope = readScopes(source).get('10.9.0.0')!;
    expect(scope.vendorExtras?.['optionDefinitions']).toEqual(['option site-info code 224 = text;']);
    const destination = await loadConf('/dst.conf', () =>
      Promise.resolve('authoritative;\n\nsubnet 10.9.0.0 netmask 255.255.255.0 {\n}\n'),
    );
    applyScope(destination, scope, ['options', 'reservations']);
    const written = print(destination.files.get('/dst.conf')!);
    expect(written.indexOf('option site-info code 224 = text;')).toBeGreaterThan(0);
    expect(written.indexOf('option site-info code 224 = text;')).toBeLessThan(
      written.indexOf('subnet 10.9.0.0'),
    );
    const back = readScopes(await loadConf('/dst.conf', () => Promise.resolve(written))).get('10.9.0.0')!;
    expect(back.options).toEqual(scope.options);
    expect(back.reservations).toEqual(scope.reservations);

    // The same code with another meaning here: refused, nothing guessed.
    const clash = await loadConf('/dst.conf', () =>
      Promise.resolve('option other code 224 = ip-address;\nsubnet 10.9.0.0 netmask 255.255.255.0 {\n}\n'),
    );
    expect(() => applyScope(clash, scope, ['reservations'])).toThrow(/defines option code 224 as/);
  });

  it('refuses a host option dhcpd has no name for instead of dropping it', async () => {
    const set = await load();
    const scope = readScopes(set).get('10.1.2.0')!;
    const reservations = [{ address: '10.1.2.99', name: 'odd', options: [{ code: 225, value: 'x' }] }];
    expect(() => applyScope(set, { ...scope, reservations }, ['reservations'])).toThrow(UndefinedOptionError);
  });

  it('refuses a reservation without an address (a Kea one): dhcpd places a host by its fixed-address', async () => {
    const set = await load();
    const scope = readScopes(set).get('10.1.2.0')!;
    const reservations = [{ hardwareAddress: 'aa:bb:cc:dd:ee:31', name: 'one', options: [] }];
    expect(() => applyScope(set, { ...scope, reservations }, ['reservations'])).toThrow(
      /reservation aa:bb:cc:dd:ee:31 has no address/,
    );
  });

  it('refuses, changing nothing, a host name another host outside the subnet has (it was renamed res-<address> on every write)', async () => {
    const others =
      'host kiosk { hardware ethernet 0a:00:00:00:00:09; }\nhost lab { fixed-address 10.9.9.20; }\n';
    const set = await load({ '/etc/dhcp/hosts.conf': HOSTS + others });
    const scope = readScopes(set).get('10.1.2.0')!;
    const added = { address: '10.1.2.8', hardwareAddress: 'aa:aa:aa:aa:aa:aa', name: 'kiosk', options: [] };
    expect(() => applyScope(set, { ...scope, reservations: [added] }, ['reservations'])).toThrow(
      new HostNameClashError(
        'host kiosk (10.1.2.8) cannot be written as the source names it: the destination declares another host ' +
          'kiosk at /etc/dhcp/hosts.conf line 13, and dhcpd takes a host name once; rename one of them (nothing of ' +
          'the scope was written)',
      ),
    );
    // A host edited in place (matched by hardware address) is not renamed to it either.
    const renamed = scope.reservations.map((r) => (r.address === '10.1.2.5' ? { ...r, name: 'lab' } : r));
    expect(() => applyScope(set, { ...scope, reservations: renamed }, ['reservations'])).toThrow(
      /^host lab \(10\.1\.2\.5\) .* another host lab \(10\.9\.9\.20\) at \/etc\/dhcp\/hosts\.conf line 14,/,
    );
    expect(changedFiles(set).size).toBe(0);
    // A name the subnet's own hosts have is no clash: the write edits or removes them.
    const moved = scope.reservations.map((r) =>
      r.address === '10.1.2.5'
        ? { address: '10.1.2.9', hardwareAddress: 'bb:bb:bb:bb:bb:bb', name: 'inside', options: [] }
        : r,
    );
    applyScope(set, { ...scope, reservations: moved }, ['reservations']);
    expect(readScopes(set).get('10.1.2.0')!.reservations).toContainEqual(
      moved.find((r) => r.name === 'inside'),
    );
  });

  it('refuses an option code dhcpd has no name for instead of dropping it', async () => {
    const set = await load();
    const scope = readScopes(set).get('10.1.2.0')!;
    expect(() => applyScope(set, { ...scope, options: [{ code: 224, value: 'x' }] }, ['options'])).toThrow(
      UndefinedOptionError,
    );
  });

  it('reads a pool declared in the shared-network as the pool of the subnet holding its range; a write that would re-cut it is refused, unchanged', async () => {
    const text = `shared-network office {
  subnet 10.2.0.0 netmask 255.255.255.0 {
    option routers 10.2.0.1;
  }
  pool {
    range 10.2.0.10 10.2.0.99;
  }
}
`;
    const set = await loadConf('/dst.conf', () => Promise.resolve(text));
    const scope = readScopes(set).get('10.2.0.0')!;
    expect(scope.pools).toEqual([{ start: '10.2.0.10', end: '10.2.0.99' }]);
    expect(scope.exclusions).toEqual([
      { start: '10.2.0.1', end: '10.2.0.9' },
      { start: '10.2.0.100', end: '10.2.0.254' },
    ]);
    // The same pools: nothing to change.
    applyScope(set, scope, ['pools', 'exclusions']);
    expect(changedFiles(set).size).toBe(0);
    // Other pools would re-cut the shared-network's pool: refused before any edit.
    expect(() =>
      applyScope(set, { ...scope, pools: [{ start: '10.2.0.10', end: '10.2.0.50' }] }, [
        'pools',
        'exclusions',
      ]),
    ).toThrow(SharedPoolWriteError);
    expect(changedFiles(set).size).toBe(0);
    expect(print(set.files.get('/dst.conf')!)).toBe(text);
  });

  it.each([['pools'], ['exclusions']] as const)(
    'tells what a write of %s alone leaves, as applyScope writes it, and what of the source stays behind',
    async (part) => {
      const set = await load();
      const destination = readScopes(set).get('10.1.2.0')!;
      // Wider than the destination's ranges (10-99, 120-149, 200-210), with one exclusion inside them.
      const source: ScopeContent = {
        ...destination,
        pools: [{ start: '10.1.2.10', end: '10.1.2.180', failoverPeer: 'src-peer' }],
        exclusions: [
          { start: '10.1.2.1', end: '10.1.2.9' },
          { start: '10.1.2.50', end: '10.1.2.59' },
          { start: '10.1.2.181', end: '10.1.2.254' },
        ],
      };
      const projected = partialRangesCopy(destination, source, [part])!;
      applyScope(set, source, [part]);
      const written = readScopes(set).get('10.1.2.0')!;
      const ranges = (pools: ScopeContent['pools']): string[] =>
        pools.map(({ start, end }) => `${start}-${end}`).sort();
      expect(ranges(projected.content.pools)).toEqual(ranges(written.pools));
      expect(projected.content.exclusions).toEqual(written.exclusions);
      expect(projected.notCopied).toContain(
        part === 'pools'
          ? "10.1.2.100-10.1.2.119, 10.1.2.150-10.1.2.180 of the source's pools are not copied"
          : '10.1.2.100-10.1.2.119, 10.1.2.150-10.1.2.180, which the source does not exclude, stay outside',
      );
      // Written once, nothing more of the source gets there: the next write is the same, and says so again.
      const again = partialRangesCopy(written, source, [part])!;
      expect(ranges(again.content.pools)).toEqual(ranges(written.pools));
      expect(again.notCopied).toBe(projected.notCopied);
      // Both parts, or a source within the destination's ranges, copy as they are.
      expect(partialRangesCopy(destination, source, ['pools', 'exclusions'])).toBeUndefined();
      expect(partialRangesCopy(destination, destination, [part])).toBeUndefined();
    },
  );
});
