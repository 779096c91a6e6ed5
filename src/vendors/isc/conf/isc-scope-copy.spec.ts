import { SCOPE_PARTS, type ScopeContent, type ScopePart } from '../../scope-content.js';
import { changedFiles, loadConf, type ConfSet } from './include-resolver.js';
import { diffScope } from '../../../replication/scope-diff.js';
import {
  compareCopy,
  CopyBaseCollector,
  copyScope,
  hostNameRefusal,
  isPlain,
  noteOrigin,
  noteRead,
  originOf,
  scopesFromEvidence,
  type CopyBase,
  type DeclarationEvidence,
  type OriginRead,
} from './isc-scope-copy.js';
import { HostNameClashError } from './isc-reservations.js';
import { applyScopes, isPlainDeclaration, readScopes, type ReadFindings } from './isc-subnet.mapper.js';

const SOURCE = `failover peer "fo-a" { primary; address 10.0.0.1; peer address 10.0.0.2; max-response-delay 60; max-unacked-updates 10; mclt 3600; split 128; }

shared-network campus {
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

/** Reads `set` as the ISC driver does for a replication: scopes mapped lazily, each noting its origin. */
function readNoted(
  set: ConfSet,
  serverId: string,
  collector?: CopyBaseCollector,
): { scopes: Map<string, ScopeContent>; read: OriginRead } {
  const read: OriginRead = { hosts: [] };
  const found: ReadFindings = {
    lazy: (map) => map(),
    scope: (content, declaration) => {
      const origin = originOf(serverId, set, declaration, read);
      noteOrigin(content, origin);
      collector?.scope(origin);
    },
  };
  const scopes = readScopes(set, undefined, found);
  read.hosts = found.hosts ?? [];
  return { scopes, read };
}

/** The source's scopes read for a copy, and the destination as the write finds it (its kept read). */
async function setUp(
  source: string,
  destination: string,
): Promise<{ scopes: Map<string, ScopeContent>; target: ConfSet; base: CopyBase }> {
  const { scopes } = readNoted(await load(source), 'a');
  const target = await load(destination);
  const collector = new CopyBaseCollector();
  const { read } = readNoted(target, 'b', collector);
  const base = collector.base(read);
  return { scopes, target, base };
}

/** Writes `network` with the copy allowed; returns whether it was copied. */
function write(
  setup: Awaited<ReturnType<typeof setUp>>,
  network: string,
  parts: readonly ScopePart[] = SCOPE_PARTS,
  sourceId = 'a',
): boolean {
  return writeAll(setup, [network], parts, sourceId).length === 1;
}

/** Writes `networks` in one batch with the copy allowed; returns those copied. */
function writeAll(
  { scopes, target, base }: Awaited<ReturnType<typeof setUp>>,
  networks: readonly string[],
  parts: readonly ScopePart[] = SCOPE_PARTS,
  sourceId = 'a',
): string[] {
  const copied: string[] = [];
  const writes = networks.map((network) => ({ content: scopes.get(network)!, parts }));
  applyScopes(target, writes, {}, (entry, lookups, alongside) => {
    const done = copyScope({ lookups, base, sourceId }, entry.content, entry.parts, alongside);
    if (done) copied.push(entry.content.subnet);
    return done;
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
      "  # the destination's note about the lab stays\n  subnet 10.1.1.0 netmask 255.255.255.0 {\n    option routers 10.1.1.1;        # new gateway\n",
    );
    expect(after).toContain('failover peer "fo-b";\n      range 10.1.1.10 10.1.1.99;');
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

  it("edits, not copies, a declaration at another depth than the destination's, so the file's indentation holds", async () => {
    // The source's subnet at the top level, the destination's in its shared-network.
    const topLevel = SOURCE.replace(/^shared-network campus \{\n|^\}\n/gm, '').replace(/^ {2}/gm, '');
    expect(topLevel).toMatch(/^subnet 10\.1\.1\.0 netmask 255\.255\.255\.0 \{\n {2}option routers/m);
    const setup = await setUp(topLevel, DESTINATION);
    expect(write(setup, '10.1.1.0')).toBe(false);
    const after = text(setup.target);
    expect(after).toContain('  subnet 10.1.1.0 netmask 255.255.255.0 {\n    option routers 10.1.1.1;\n');
    expect(readScopes(await load(after)).get('10.1.1.0')).toEqual(
      readScopes(await edited(SOURCE, DESTINATION, '10.1.1.0')).get('10.1.1.0'),
    );
    // Compared by the model too: the text of declarations at other depths never reads the same.
    const from = readNoted(await load(topLevel), 'a').scopes.get('10.1.1.0')!;
    const to = readNoted(await load(SOURCE.replace(/"fo-a"/g, '"fo-b"')), 'b').scopes.get('10.1.1.0')!;
    expect(compareCopy(to, from, SCOPE_PARTS)).toBeUndefined();
  });

  it('keeps a CRLF destination in CRLF: copied from a CRLF source, edited from an LF one', async () => {
    const crlf = (conf: string): string => conf.replace(/\n/g, '\r\n');
    const setup = await setUp(crlf(SOURCE), crlf(DESTINATION));
    expect(write(setup, '10.1.1.0')).toBe(true);
    const after = text(setup.target);
    expect(after).toContain('option routers 10.1.1.1;        # new gateway\r\n');
    expect(after).not.toMatch(/[^\r]\n/);
    // From a file with LF line endings, the edit writes the scope, in CRLF too.
    const fromLf = await setUp(SOURCE, crlf(DESTINATION));
    expect(write(fromLf, '10.1.1.0')).toBe(false);
    expect(text(fromLf.target)).toContain('option routers 10.1.1.1;\r\n');
    expect(text(fromLf.target)).not.toMatch(/[^\r]\n/);
  });

  it('leaves to the edit what a copy would not mean the same for', async () => {
    const cases: Array<{
      why: string;
      source?: string;
      destination?: string;
      parts?: ScopePart[];
      from?: string;
      /** The edit refuses it too (HostNameClashError), changing nothing. */
      refused?: true;
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
        refused: true,
      },
      {
        why: 'no such subnet on the destination',
        // Its host renamed: a lab-1 in another subnet would be refused (below).
        destination: DESTINATION.replace(/10\.1\.1\./g, '10.1.7.').replace('host lab-1', 'host lab-7'),
      },
      {
        why: 'a destination with CRLF line endings, the source with LF (a copy would mix them)',
        destination: DESTINATION.replace(/\n/g, '\r\n'),
      },
    ];
    for (const { why, source = SOURCE, destination = DESTINATION, parts, from, refused } of cases) {
      const setup = await setUp(source, destination);
      const before = text(setup.target);
      if (refused) {
        expect(() => write(setup, '10.1.1.0', parts, from)).toThrow(HostNameClashError);
        expect(text(setup.target)).toBe(before);
        await expect(edited(source, destination, '10.1.1.0')).rejects.toThrow(HostNameClashError);
        continue;
      }
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

describe('copyScope: host names moving between subnets of one write', () => {
  const lab2 = (peer: string, net: string, host: string): string =>
    `subnet 10.1.${net}.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "${peer}";\n    range 10.1.${net}.10 10.1.${net}.99;\n  }\n${host}}\n`;

  it.each([
    ['the subnet it leaves first', ['10.1.2.0', '10.1.1.0']],
    ['the subnet it arrives in first', ['10.1.1.0', '10.1.2.0']],
  ])(
    "copies both when the name's host leaves in the same write (%s), and declines, as the edit refuses, without it",
    async (_order, networks) => {
      // lab-2 is in 10.1.1.0 on the source, in 10.1.2.0 on the destination, whose copy the source has without it.
      const source = `${SOURCE}${lab2('fo-a', '2', '')}`;
      const destination = `${DESTINATION}${lab2('fo-b', '2', '  host lab-2 { fixed-address 10.1.2.6; }\n')}`;
      const setup = await setUp(source, destination);
      expect(writeAll(setup, networks).sort()).toEqual(['10.1.1.0/24', '10.1.2.0/24']);
      const after = readScopes(await load(text(setup.target)));
      expect(after.get('10.1.2.0')!.reservations).toEqual([]);
      expect(after.get('10.1.1.0')!.reservations.map((r) => r.name)).toEqual(['lab-1', 'lab-2']);

      const alone = await setUp(source, destination);
      expect(() => writeAll(alone, ['10.1.1.0'])).toThrow(HostNameClashError);
      expect(changedFiles(alone.target).size).toBe(0);
    },
  );
});

describe('hostNameRefusal: a write the edit refuses for a host name, told from the reads before it', () => {
  it('names the host and the declaration that has its name, for a source read as declarations or mapped alike', async () => {
    const clashing = `${DESTINATION}subnet 10.1.2.0 netmask 255.255.255.0 {\n  host lab-2 { fixed-address 10.1.2.6; }\n}\n`;
    const { scopes, read } = readNoted(await load(clashing), 'b');
    noteRead(scopes, read);
    const source = readNoted(await load(SOURCE), 'a').scopes.get('10.1.1.0')!;
    const reason =
      'host lab-2 (10.1.1.6) cannot be written as the source names it: the destination declares another host ' +
      'lab-2 (10.1.2.6) at /etc/dhcp/dhcpd.conf line 15, and dhcpd takes a host name once; rename one of them ' +
      '(nothing of the scope was written)';
    expect(hostNameRefusal(scopes, source, SCOPE_PARTS)).toBe(reason);
    // A scope with no declaration behind it (another vendor's) is told from its reservations, the same.
    expect(hostNameRefusal(scopes, { ...source }, SCOPE_PARTS)).toBe(reason);
    // No reservations written, or the name free: nothing to refuse.
    expect(hostNameRefusal(scopes, source, ['options', 'pools', 'exclusions'])).toBeUndefined();
    const free = readNoted(await load(DESTINATION), 'b');
    noteRead(free.scopes, free.read);
    expect(hostNameRefusal(free.scopes, source, SCOPE_PARTS)).toBeUndefined();
  });

  it('lets a name go to the scope when the host that has it is in a subnet the same write replaces', async () => {
    const clashing = `${DESTINATION}subnet 10.1.2.0 netmask 255.255.255.0 {\n  host lab-2 { fixed-address 10.1.2.6; }\n}\n`;
    const { scopes, read } = readNoted(await load(clashing), 'b');
    noteRead(scopes, read);
    const sources = readNoted(
      await load(
        `${SOURCE}subnet 10.1.2.0 netmask 255.255.255.0 {\n}\nsubnet 10.1.3.0 netmask 255.255.255.0 {\n}\n`,
      ),
      'a',
    ).scopes;
    const source = sources.get('10.1.1.0')!;
    const alongside = (...networks: string[]): Map<string, ScopeContent> =>
      new Map(networks.map((network) => [network, sources.get(network)!]));
    expect(hostNameRefusal(scopes, source, SCOPE_PARTS, alongside('10.1.1.0', '10.1.2.0'))).toBeUndefined();
    // Written without 10.1.2.0, its lab-2 stays.
    expect(hostNameRefusal(scopes, source, SCOPE_PARTS, alongside('10.1.1.0', '10.1.3.0'))).toMatch(
      /^host lab-2 \(10\.1\.1\.6\) cannot be written as the source names it: the destination declares another host lab-2 \(10\.1\.2\.6\)/,
    );
  });
});

describe('isPlainDeclaration: whether a declaration is plain, without mapping it', () => {
  it('agrees with the mapping on every kind of statement the model keeps as text, and on those it holds', async () => {
    const set = await load(`option site-info code 224 = text;
subnet 10.2.1.0 netmask 255.255.255.0 { option routers 10.2.1.1; option site-info "x"; default-lease-time 60; range 10.2.1.10 10.2.1.20; }
subnet 10.2.2.0 netmask 255.255.255.0 { next-server 10.2.2.1; }
subnet 10.2.3.0 netmask 255.255.255.0 { pool { failover peer "p"; range 10.2.3.10 10.2.3.20; allow members of "lab"; } }
subnet 10.2.4.0 netmask 255.255.255.0 { pool { failover peer "p"; deny all clients; range 10.2.4.10 10.2.4.20; } }
subnet 10.2.5.0 netmask 255.255.255.0 { pool { deny all clients; range 10.2.5.10 10.2.5.20; } pool { range 10.2.5.30 10.2.5.40; } }
subnet 10.2.6.0 netmask 255.255.255.0 { host h6 { hardware ethernet 0a:00:00:00:06:01; fixed-address 10.2.6.5; option host-name "h6"; } }
subnet 10.2.7.0 netmask 255.255.255.0 { host h7 { fixed-address 10.2.7.5; filename "boot"; } }
subnet 10.2.8.0 netmask 255.255.255.0 { option acme.thing 1; }
subnet 10.2.9.0 netmask 255.255.255.0 { option unknown-name 1; }
subnet 10.2.10.0 netmask 255.255.255.0 { option domain-name = concat("a", "b"); }
subnet 10.2.11.0 netmask 255.255.255.0 { if exists agent.circuit-id { option routers 10.2.11.1; } }
host h12 { fixed-address 10.2.12.5; ddns-hostname "far"; }
subnet 10.2.12.0 netmask 255.255.255.0 { range 10.2.12.10 10.2.12.20; }
`);
    const verdicts: Record<string, [boolean, boolean]> = {};
    readScopes(set, undefined, {
      scope: (content, declaration) => {
        const { subnet, catalog, within } = declaration;
        verdicts[subnet.network] = [isPlainDeclaration(subnet, catalog, within), isPlain(content)];
      },
    });
    for (const [network, [declared, mapped]] of Object.entries(verdicts)) {
      expect({ network, declared }).toEqual({ network, declared: mapped });
    }
    const plain = Object.keys(verdicts).filter((network) => verdicts[network][1]);
    expect(plain).toEqual(['10.2.1.0', '10.2.4.0', '10.2.6.0']);
  });
});

describe('compareCopy: whether a copy would change the destination, from both declarations', () => {
  const compare = async (
    source: string,
    destination: string,
    parts: readonly ScopePart[] = SCOPE_PARTS,
  ): Promise<{ comparison: ReturnType<typeof compareCopy>; from: ScopeContent; to: ScopeContent }> => {
    const from = readNoted(await load(source), 'a').scopes.get('10.1.1.0')!;
    const to = readNoted(await load(destination), 'b').scopes.get('10.1.1.0')!;
    return { comparison: compareCopy(to, from, parts), from, to };
  };

  it("finds them the same when only the pools' peer names and the lines in front differ", async () => {
    const destination = SOURCE.replace(/"fo-a"/g, '"fo-b"').replace('# Lab: from the source', '# B says');
    expect((await compare(SOURCE, destination)).comparison).toEqual({ same: true });
  });

  it("keeps both declarations when they differ, and they make the diff the model's comparison makes", async () => {
    const { comparison, from, to } = await compare(SOURCE, DESTINATION);
    expect(comparison).toMatchObject({ same: false });
    if (!comparison || comparison.same) throw new Error('expected a difference');
    const evidence = comparison.evidence;
    expect(evidence.before).toMatch(
      /^subnet 10\.1\.1\.0 netmask 255\.255\.255\.0 \{\n {4}option routers 10\.1\.1\.254;/,
    );
    expect(evidence.before.endsWith('}')).toBe(true);
    expect(evidence.after).toContain('option routers 10.1.1.1;        # new gateway');
    const made = scopesFromEvidence(JSON.parse(JSON.stringify(evidence)) as DeclarationEvidence);
    const eager = async (conf: string): Promise<ScopeContent> =>
      readScopes(await load(conf)).get('10.1.1.0')!;
    expect(diffScope(made.before, made.after, SCOPE_PARTS)).toEqual(
      diffScope(await eager(DESTINATION), await eager(SOURCE), SCOPE_PARTS),
    );
    // What was read lazily is what the mapping gives.
    expect(from).toEqual(await eager(SOURCE));
    expect(to).toEqual(await eager(DESTINATION));
  });

  it('option definitions travel with the declarations', async () => {
    const define = (conf: string): string => `option site-info code 224 = text;\n${conf}`;
    const source = define(SOURCE.replace('option domain-name "lab.example";', 'option site-info "lab";'));
    const { comparison } = await compare(source, define(DESTINATION));
    if (!comparison || comparison.same) throw new Error('expected a difference');
    const made = scopesFromEvidence(comparison.evidence);
    expect(made.after.options).toContainEqual({ code: 224, name: 'site-info', value: 'lab' });
  });

  it('leaves to the model what text cannot decide', async () => {
    const cases: Array<{ why: string; source?: string; destination?: string; parts?: ScopePart[] }> = [
      { why: 'only some parts replaced', parts: ['options', 'pools'] },
      {
        why: 'a statement the model keeps as text',
        source: SOURCE.replace('default-lease-time 900;', 'default-lease-time 900;\n  next-server 10.1.1.2;'),
      },
      {
        why: 'a host of the subnet declared outside its block',
        destination: `${DESTINATION}host far { fixed-address 10.1.1.7; }\n`,
      },
      { why: 'options defined differently', source: `option site-info code 224 = text;\n${SOURCE}` },
      {
        why: 'a host name another destination host has',
        destination: `${DESTINATION}subnet 10.1.2.0 netmask 255.255.255.0 {\n  host lab-2 { fixed-address 10.1.2.6; }\n}\n`,
      },
      {
        why: "the destination's pools name no peer",
        destination: DESTINATION.replace('failover peer "fo-b";', ''),
      },
      {
        why: 'no such subnet on the destination',
        destination: DESTINATION.replace(/10\.1\.1\./g, '10.1.7.'),
      },
      { why: 'files with different line endings', source: SOURCE.replace(/\n/g, '\r\n') },
    ];
    for (const { why, source = SOURCE, destination = DESTINATION, parts } of cases) {
      const from = readNoted(await load(source), 'a').scopes.get('10.1.1.0')!;
      const to = readNoted(await load(destination), 'b').scopes.get('10.1.1.0');
      expect({ why, comparison: compareCopy(to, from, parts ?? SCOPE_PARTS) }).toEqual({
        why,
        comparison: undefined,
      });
    }
  });
});
