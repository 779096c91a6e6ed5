import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLargeConf } from '../fixtures/isc/generate-large.js';
import { changedFiles, loadConf, type ConfSet } from '../../src/vendors/isc/conf/include-resolver.js';
import {
  referAllPoolsTo,
  writeFailoverPeer,
  type IscFailoverPeer,
} from '../../src/vendors/isc/conf/isc-peer.mapper.js';
import { applyScope, readScopes } from '../../src/vendors/isc/conf/isc-subnet.mapper.js';
import { parse } from '../../src/vendors/isc/conf/parser.js';
import { print } from '../../src/vendors/isc/conf/printer.js';
import type { ScopeContent } from '../../src/vendors/scope-content.js';

const DHCPD = '/usr/sbin/dhcpd';
const FIXTURES = new URL('../fixtures/isc/', import.meta.url);

const PEER: IscFailoverPeer = {
  name: 'dfm-peer',
  role: 'primary',
  address: '127.0.0.1',
  port: 8647,
  peerAddress: '127.0.0.2',
  peerPort: 8647,
  maxResponseDelay: 60,
  maxUnackedUpdates: 10,
  mclt: 3600,
  split: 128,
  loadBalanceMaxSeconds: 3,
};

const SCOPE: ScopeContent = {
  subnet: '10.20.30.0/24',
  enabled: true,
  leaseTime: 1800,
  pools: [{ start: '10.20.30.10', end: '10.20.30.200', failoverPeer: 'source-peer' }],
  exclusions: [{ start: '10.20.30.50', end: '10.20.30.59' }],
  reservations: [
    {
      address: '10.20.30.5',
      hardwareAddress: '02:00:00:00:00:05',
      name: 'printer',
      options: [{ code: 12, name: 'host-name', value: 'printer' }],
    },
    { address: '10.20.30.6', clientId: '01:02:00:00:00:00:06', options: [] },
  ],
  options: [
    { code: 3, name: 'routers', value: '10.20.30.1' },
    { code: 6, name: 'domain-name-servers', value: '10.0.0.53, 10.0.0.54' },
    { code: 15, name: 'domain-name', value: 'lab.example' },
    { code: 119, name: 'domain-search', value: 'lab.example, example.org' },
    { code: 43, name: 'vendor-encapsulated-options', value: '0104C0A80001', format: 'hex' },
  ],
};

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dfm-isc-conf-'));
  await writeFile(join(dir, 'dhcpd.leases'), '');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `dhcpd -t` on the files (main first), as the driver will run it: exit code and dhcpd's own messages. */
async function dhcpdTest(
  files: Map<string, string>,
  main: string,
): Promise<{ code: number; output: string }> {
  for (const [path, text] of files) await writeFile(path, text);
  return new Promise((resolve) => {
    execFile(
      DHCPD,
      ['-t', '-cf', main, '-lf', join(dir, 'dhcpd.leases'), '-pf', join(dir, 'dhcpd.pid')],
      { timeout: 30_000, cwd: dir },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** Every file of a set, printed, written under the temp dir with its own path. */
function printed(set: ConfSet): Map<string, string> {
  return new Map([...set.files].map(([path, file]) => [path, print(file)]));
}

async function fixtureSet(name: string, extra: string[] = []): Promise<ConfSet> {
  for (const file of extra) await writeFile(join(dir, file), await readFile(new URL(file, FIXTURES), 'utf8'));
  await writeFile(join(dir, name), await readFile(new URL(name, FIXTURES), 'utf8'));
  return loadConf(join(dir, name), (path) => readFile(path, 'utf8'));
}

describe('dhcpd.conf written by the module, checked by the real dhcpd -t', () => {
  it.each([
    ['debian-example.conf', []],
    ['comments-and-spacing.conf', []],
    ['crlf.conf', []],
    ['nested.conf', []],
    ['with-include.conf', ['included-peer.conf', 'included-hosts.conf']],
  ])('accepts the corpus file %s as printed after a parse', async (name, extra) => {
    const set = await fixtureSet(name, extra);
    expect(changedFiles(set).size).toBe(0);
    const result = await dhcpdTest(printed(set), join(dir, name));
    expect(result).toMatchObject({ code: 0 });
  });

  it('accepts a peer and a subnet written from ScopeContent into the Debian example', async () => {
    const set = await fixtureSet('debian-example.conf');
    writeFailoverPeer(set, PEER);
    applyScope(set, SCOPE, ['options', 'reservations', 'pools', 'exclusions']);
    const text = print(set.files.get(join(dir, 'debian-example.conf'))!);
    expect(text).toContain('failover peer "dfm-peer";');
    const result = await dhcpdTest(printed(set), join(dir, 'debian-example.conf'));
    expect(result.output).not.toMatch(/line \d+:/);
    expect(result.code).toBe(0);
    const read = readScopes(set).get('10.20.30.0')!;
    expect(read.pools.map((pool) => [pool.start, pool.end, pool.failoverPeer])).toEqual([
      ['10.20.30.10', '10.20.30.49', 'dfm-peer'],
      ['10.20.30.60', '10.20.30.200', 'dfm-peer'],
    ]);
  });

  it('accepts the first-peer rule applied to a file with bare ranges and pools', async () => {
    await writeFile(
      join(dir, 'dhcpd.conf'),
      'subnet 10.0.0.0 netmask 255.255.255.0 {\n  range 10.0.0.5 10.0.0.9;\n  pool {\n    range 10.0.0.20 10.0.0.29;\n  }\n}\n',
    );
    const set = await loadConf(join(dir, 'dhcpd.conf'), (path) => readFile(path, 'utf8'));
    writeFailoverPeer(set, PEER);
    referAllPoolsTo(set, PEER.name);
    const result = await dhcpdTest(printed(set), join(dir, 'dhcpd.conf'));
    expect(result.code).toBe(0);
  });

  it('accepts a one-line edit of a generated file of 2,000 subnets', async () => {
    const path = join(dir, 'large.conf');
    const file = parse(generateLargeConf(2000, 2), path);
    const set: ConfSet = { mainPath: path, files: new Map([[path, file]]), originals: new Map() };
    const scope = readScopes(set, ['10.3.100.0']).get('10.3.100.0')!;
    applyScope(set, { ...scope, options: [{ code: 3, name: 'routers', value: '10.3.100.254' }] }, [
      'options',
    ]);
    const result = await dhcpdTest(printed(set), path);
    expect(result.code).toBe(0);
  });

  it('passes on dhcpd’s message when a printed edit is wrong for dhcpd', async () => {
    const set = await fixtureSet('debian-example.conf');
    // A primary without MCLT: the module's validation rejects this; written anyway, dhcpd must reject it too.
    const { mclt: _mclt, ...withoutMclt } = PEER;
    writeFailoverPeer(set, withoutMclt);
    applyScope(set, SCOPE, ['pools', 'exclusions'], { failoverPeer: PEER.name });
    const result = await dhcpdTest(printed(set), join(dir, 'debian-example.conf'));
    expect(result.code).toBe(1);
    expect(result.output).toContain('primary failover server must have mclt.');
  });

  it('rejects a pool that names a peer the file does not declare, with file and line', async () => {
    const set = await fixtureSet('debian-example.conf');
    applyScope(set, SCOPE, ['pools', 'exclusions'], { failoverPeer: 'nope' });
    const result = await dhcpdTest(printed(set), join(dir, 'debian-example.conf'));
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/debian-example\.conf line \d+: failover peer nope: not found/);
  });
});
