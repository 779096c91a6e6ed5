import { SCOPE_PARTS, type ScopeContent, type ScopePart } from '../../scope-content.js';
import { changedFiles, loadConf, type ConfSet } from './include-resolver.js';
import { CopyBaseCollector, copyScope, noteOrigin, ownHosts, type CopyBase } from './isc-scope-copy.js';
import { applyScopes, readScopes, type ReadFindings } from './isc-subnet.mapper.js';

const SOURCE = `failover peer "fo-a" { primary; address 10.0.0.1; peer address 10.0.0.2; max-response-delay 60; max-unacked-updates 10; mclt 3600; split 128; }

# Lab: from the source's text
subnet 10.1.1.0 netmask 255.255.255.0 {
  option routers 10.1.1.1;        # new gateway
  option domain-name "lab.example";
  default-lease-time 900;
  pool {
    failover peer "fo-a";
    range 10.1.1.10 10.1.1.99;
  }
  host lab-1 { hardware ethernet 0a:00:00:00:01:01; fixed-address 10.1.1.5; option host-name "lab-1"; }
  host lab-2 { hardware ethernet 0a:00:00:00:01:02; fixed-address 10.1.1.6; }
}
`;

const DESTINATION = `failover peer "fo-b" { secondary; address 10.0.0.2; peer address 10.0.0.1; max-response-delay 60; max-unacked-updates 10; }

shared-network campus {
  # the destination's note about the lab stays
  subnet 10.1.1.0 netmask 255.255.255.0 {
    option routers 10.1.1.254;
    pool {
      failover peer "fo-b";
      range 10.1.1.10 10.1.1.50;
    }
    host lab-1 { hardware ethernet 0a:00:00:00:01:09; fixed-address 10.1.1.5; }
  }
}
`;

async function load(text: string): Promise<ConfSet> {
  return loadConf('/etc/dhcp/dhcpd.conf', () => Promise.resolve(text));
}

/** The source's scopes read for a copy, and the destination as the write finds it (its kept read). */
async function setUp(
  source: string,
  destination: string,
): Promise<{ scopes: Map<string, ScopeContent>; target: ConfSet; base: CopyBase }> {
  const from = await load(source);
  const scopes = readScopes(from, undefined, {
    scope: (content, subnet, hosts) =>
      noteOrigin(content, { serverId: 'a', subnet, hosts: ownHosts(from, subnet, hosts) }),
  });
  const target = await load(destination);
  const collector = new CopyBaseCollector(target);
  const found: ReadFindings = { scope: (content, subnet, hosts) => collector.scope(content, subnet, hosts) };
  readScopes(target, undefined, found);
  const base = collector.base(found.hosts ?? []);
  return { scopes, target, base };
}

/** Writes `network` with the copy allowed; returns whether it was copied. */
function write(
  { scopes, target, base }: Awaited<ReturnType<typeof setUp>>,
  network: string,
  parts: readonly ScopePart[] = SCOPE_PARTS,
  sourceId = 'a',
): boolean {
  let copied = false;
  applyScopes(target, [{ content: scopes.get(network)!, parts }], {}, (entry, lookups) => {
    copied = copyScope({ lookups, base, sourceId }, entry.content, entry.parts);
    return copied;
  });
  return copied;
}

/** The same write by the model's edit alone, for comparison. */
async function edited(source: string, destination: string, network: string): Promise<ConfSet> {
  const { scopes, target } = await setUp(source, destination);
  applyScopes(target, [{ content: scopes.get(network)!, parts: SCOPE_PARTS }]);
  return target;
}

const text = (set: ConfSet): string =>
  changedFiles(set).get(set.mainPath) ?? set.originals.get(set.mainPath)!;

describe('copyScope: an ISC subnet replicated to an ISC server as its declaration', () => {
  it("replaces the destination's block with the source's, pools naming the destination's peer, and means what the edit means", async () => {
    const setup = await setUp(SOURCE, DESTINATION);
    expect(write(setup, '10.1.1.0')).toBe(true);
    const after = text(setup.target);
    expect(after).toContain(
      "  # the destination's note about the lab stays\n  subnet 10.1.1.0 netmask 255.255.255.0 {\n  option routers 10.1.1.1;        # new gateway\n",
    );
    expect(after).toContain('failover peer "fo-b";\n    range 10.1.1.10 10.1.1.99;');
    expect(after).not.toContain('fo-a');
    expect(after).not.toContain('# Lab: from the source');
    expect(after.startsWith('failover peer "fo-b" { secondary;')).toBe(true);

    const model = readScopes(await load(after)).get('10.1.1.0');
    expect(model).toEqual(readScopes(await edited(SOURCE, DESTINATION, '10.1.1.0')).get('10.1.1.0'));
    expect(model).toMatchObject({
      pools: [{ start: '10.1.1.10', end: '10.1.1.99', failoverPeer: 'fo-b' }],
      reservations: [
        { address: '10.1.1.5', hardwareAddress: '0a:00:00:00:01:01', name: 'lab-1' },
        { address: '10.1.1.6', name: 'lab-2' },
      ],
      leaseTime: 900,
    });
  });

  it('leaves to the edit what a copy would not mean the same for', async () => {
    const cases: Array<{
      why: string;
      source?: string;
      destination?: string;
      parts?: ScopePart[];
      from?: string;
    }> = [
      { why: 'only some parts replaced', parts: ['options'] },
      { why: 'read from another server than the write names', from: 'c' },
      {
        why: 'a statement the model keeps as text (source)',
        source: SOURCE.replace('default-lease-time 900;', 'default-lease-time 900;\n  next-server 10.1.1.2;'),
      },
      {
        why: 'a statement the model keeps as text (destination)',
        destination: DESTINATION.replace(
          'option routers 10.1.1.254;',
          'option routers 10.1.1.254;\n    filename "x";',
        ),
      },
      {
        why: 'a destination host of the subnet declared outside its block',
        destination: `${DESTINATION}host far { hardware ethernet 0a:00:00:00:02:01; fixed-address 10.1.1.7; }\n`,
      },
      {
        why: 'a source host in the block with an address outside the subnet',
        source: SOURCE.replace('fixed-address 10.1.1.6;', 'fixed-address 10.1.1.6, 10.9.9.9;'),
      },
      {
        why: 'a host name the destination gives another host',
        destination: `${DESTINATION}subnet 10.1.2.0 netmask 255.255.255.0 {\n  host lab-2 { fixed-address 10.1.2.6; }\n}\n`,
      },
      {
        why: 'no such subnet on the destination',
        destination: DESTINATION.replace(/10\.1\.1\./g, '10.1.7.'),
      },
    ];
    for (const { why, source = SOURCE, destination = DESTINATION, parts, from } of cases) {
      const setup = await setUp(source, destination);
      const before = text(setup.target);
      const copied = write(setup, '10.1.1.0', parts, from);
      expect({ why, copied }).toEqual({ why, copied: false });
      if (parts === undefined && from === undefined) {
        // The edit wrote it instead, as it would without the copy.
        expect(text(setup.target)).toBe(text(await edited(source, destination, '10.1.1.0')));
        expect(text(setup.target)).not.toBe(before);
      }
    }
  });
});
