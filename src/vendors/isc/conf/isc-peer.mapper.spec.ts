import { readFileSync } from 'node:fs';
import { changedFiles, loadConf, type ConfSet } from './include-resolver.js';
import {
  listPeerReferences,
  readFailoverPeers,
  referAllPoolsTo,
  removeFailoverPeer,
  removePeerReferences,
  repointPeerReferences,
  validateFailoverPeer,
  writeFailoverPeer,
  type IscFailoverPeer,
} from './isc-peer.mapper.js';
import { print } from './printer.js';

const FIXTURES = new URL('../../../../test/fixtures/isc/', import.meta.url);

const PRIMARY: IscFailoverPeer = {
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
  loadBalanceMaxSeconds: 3,
};

function fromText(text: string): Promise<ConfSet> {
  return loadConf('/etc/dhcp/dhcpd.conf', () => Promise.resolve(text));
}

describe('ISC failover peers', () => {
  it('reads peer declarations, with dhcpd defaults for missing ports and other statements kept', async () => {
    const text = readFileSync(new URL('nested.conf', FIXTURES), 'utf8');
    expect(readFailoverPeers(await fromText(text))).toEqual([PRIMARY]);
    const secondary = await fromText(
      'failover peer "b" { secondary; address a.example; peer address b.example;\n' +
        '  max-response-delay 30; max-unacked-updates 5; auto-partner-down 60; }\n',
    );
    expect(readFailoverPeers(secondary)).toEqual([
      {
        name: 'b',
        role: 'secondary',
        address: 'a.example',
        port: 647,
        peerAddress: 'b.example',
        peerPort: 647,
        maxResponseDelay: 30,
        maxUnackedUpdates: 5,
        extras: ['auto-partner-down 60;'],
      },
    ]);
  });

  it('refuses a value it cannot read and a peer declared twice, with file, line and column', async () => {
    const peer = (port: string): string =>
      `failover peer "fo" {\n  primary;\n  address 10.0.0.1;\n  port ${port};\n  peer address 10.0.0.2;\n}\n`;
    for (const port of ['abc', '0x10', '1e3', '-5']) {
      const set = await fromText(peer(port));
      expect(() => readFailoverPeers(set)).toThrow(
        `/etc/dhcp/dhcpd.conf line 4, column 8: "port" takes a whole number, not "${port}"`,
      );
    }
    expect(readFailoverPeers(await fromText(peer('519')))[0].port).toBe(519);
    const twice = await fromText(`${peer('519')}\n${peer('520')}`);
    expect(() => readFailoverPeers(twice)).toThrow(
      '/etc/dhcp/dhcpd.conf line 8, column 1: failover peer "fo" is declared a second time ' +
        '(first at /etc/dhcp/dhcpd.conf line 1); remove one of them',
    );
  });

  it('validates the seed rules: every field, MCLT and split on the primary only', () => {
    expect(validateFailoverPeer(PRIMARY)).toEqual([]);
    expect(validateFailoverPeer({ ...PRIMARY, role: 'secondary' }).map((error) => error.field)).toEqual([
      'mclt',
      'split',
    ]);
    const { mclt: _mclt, ...withoutMclt } = PRIMARY;
    expect(validateFailoverPeer(withoutMclt)).toEqual([{ field: 'mclt', message: 'mclt is required' }]);
    // dhcpd reads mclt 0 as none ("primary failover server must have mclt").
    expect(validateFailoverPeer({ ...PRIMARY, mclt: 0 })).toEqual([
      { field: 'mclt', message: 'mclt must be a whole number from 1 to 2147483647' },
    ]);
    expect(validateFailoverPeer({ name: 'x', role: 'secondary' }).map((error) => error.field)).toEqual([
      'address',
      'peerAddress',
      'port',
      'peerPort',
      'maxResponseDelay',
      'maxUnackedUpdates',
    ]);
    expect(validateFailoverPeer({ ...PRIMARY, split: 300, port: 0 }).map((error) => error.field)).toEqual([
      'port',
      'split',
    ]);
    // A primary needs a split, or an hba bitmap written by hand (dhcpd: "must have hba or split").
    const { split: _split, ...withoutSplit } = PRIMARY;
    expect(validateFailoverPeer(withoutSplit)).toEqual([
      { field: 'split', message: expect.stringContaining('split is required on the primary') },
    ]);
    expect(validateFailoverPeer({ ...withoutSplit, extras: [`hba ${'ff:'.repeat(31)}ff;`] })).toEqual([]);
  });

  it('writes a new peer before the first declaration that could refer to it, and reads it back', async () => {
    const set = await fromText(
      'authoritative;\n\nsubnet 10.0.0.0 netmask 255.255.255.0 {\n  range 10.0.0.5 10.0.0.9;\n}\n',
    );
    writeFailoverPeer(set, PRIMARY);
    const text = print(set.files.get('/etc/dhcp/dhcpd.conf')!);
    expect(text).toBe(
      'authoritative;\n\nfailover peer "fo" {\n  primary;\n  address 10.0.0.1;\n  port 647;\n  peer address 10.0.0.2;\n' +
        '  peer port 647;\n  max-response-delay 60;\n  max-unacked-updates 10;\n  mclt 3600;\n  split 128;\n' +
        '  load balance max seconds 3;\n}\n\nsubnet 10.0.0.0 netmask 255.255.255.0 {\n  range 10.0.0.5 10.0.0.9;\n}\n',
    );
    expect(readFailoverPeers(set)).toEqual([PRIMARY]);
  });

  it('edits an existing peer statement by statement', async () => {
    const text = readFileSync(new URL('nested.conf', FIXTURES), 'utf8');
    const set = await fromText(text);
    const { split: _split, ...rest } = PRIMARY;
    writeFailoverPeer(set, { ...rest, mclt: 1800, peerPort: 8647 });
    const after = print(set.files.get('/etc/dhcp/dhcpd.conf')!);
    const before = text.split('\n');
    const lines = after.split('\n');
    expect(before.filter((line) => !lines.includes(line))).toEqual([
      '  peer port 647;',
      '  mclt 3600;',
      '  split 128;',
    ]);
    expect(lines.filter((line) => !before.includes(line))).toEqual(['  peer port 8647;', '  mclt 1800;']);
  });

  it("leaves absent port lines absent (dhcpd's default 647) unless the port changes", async () => {
    const text =
      'failover peer "fo" {\n  primary;\n  address 10.0.0.1;\n  peer address 10.0.0.2;\n' +
      '  max-response-delay 60;\n  max-unacked-updates 10;\n  mclt 3600;\n  split 128;\n}\n';
    const set = await fromText(text);
    const { loadBalanceMaxSeconds: _l, ...peer } = PRIMARY;
    writeFailoverPeer(set, { ...peer, maxResponseDelay: 30 });
    expect(changedFiles(set).get('/etc/dhcp/dhcpd.conf')).toBe(text.replace('delay 60', 'delay 30'));
    writeFailoverPeer(set, { ...peer, maxResponseDelay: 30, peerPort: 8647 });
    expect(print(set.files.get('/etc/dhcp/dhcpd.conf')!)).toBe(
      text
        .replace('delay 60', 'delay 30')
        .replace('  peer address 10.0.0.2;\n', '  peer address 10.0.0.2;\n  peer port 8647;\n'),
    );
  });

  it('lists, re-points and removes pool references, and removes a peer', async () => {
    const set = await loadConf('/etc/dhcp/with-include.conf', (path) =>
      Promise.resolve(readFileSync(new URL(path.replace('/etc/dhcp/', ''), FIXTURES), 'utf8')),
    );
    expect(listPeerReferences(set).map((reference) => reference.peer)).toEqual(['inc']);
    expect(repointPeerReferences(set, 'inc', 'other')).toBe(1);
    expect(print(set.files.get('/etc/dhcp/with-include.conf')!)).toContain('    failover peer "other";\n');
    expect(removePeerReferences(set, 'other')).toBe(1);
    expect(listPeerReferences(set)).toEqual([]);
    expect(removeFailoverPeer(set, 'inc')).toBe(true);
    expect(readFailoverPeers(set)).toEqual([]);
    expect([...changedFiles(set).keys()].sort()).toEqual([
      '/etc/dhcp/included-peer.conf',
      '/etc/dhcp/with-include.conf',
    ]);
    expect(changedFiles(set).get('/etc/dhcp/included-peer.conf')).toBe('\n');
  });

  it('makes every pool refer to the first peer, wrapping bare ranges in pools', async () => {
    const set = await fromText(
      'subnet 10.0.0.0 netmask 255.255.255.0 {\n  range 10.0.0.5 10.0.0.9;\n  pool {\n    range 10.0.0.20 10.0.0.29;\n  }\n' +
        '  pool {\n    failover peer "kept";\n    range 10.0.0.40 10.0.0.49;\n  }\n}\n',
    );
    expect(referAllPoolsTo(set, 'fo')).toBe(2);
    expect(print(set.files.get('/etc/dhcp/dhcpd.conf')!)).toBe(
      'subnet 10.0.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "fo";\n    range 10.0.0.5 10.0.0.9;\n  }\n' +
        '  pool {\n    failover peer "fo";\n    range 10.0.0.20 10.0.0.29;\n  }\n' +
        '  pool {\n    failover peer "kept";\n    range 10.0.0.40 10.0.0.49;\n  }\n}\n',
    );
  });

  it('leaves dynamic-bootp ranges and their pools out of the first peer (dhcpd refuses BOOTP in failover)', async () => {
    const text =
      'subnet 10.0.0.0 netmask 255.255.255.0 {\n  range dynamic-bootp 10.0.0.5 10.0.0.9;\n' +
      '  pool {\n    range DYNAMIC-BOOTP 10.0.0.20 10.0.0.29;\n  }\n}\n';
    const set = await fromText(text);
    expect(referAllPoolsTo(set, 'fo')).toBe(0);
    expect(print(set.files.get('/etc/dhcp/dhcpd.conf')!)).toBe(text);
  });
});
