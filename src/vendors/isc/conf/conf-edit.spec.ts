import { readFileSync } from 'node:fs';
import { generateLargeConf } from '../../../../test/fixtures/isc/generate-large.js';
import { childStatements, isBlock } from './conf-walk.js';
import { insertNodes, removeNode, replaceNode, setStatementTokens } from './conf-edit.js';
import { parse } from './parser.js';
import { print } from './printer.js';
import type { BlockNode, ConfFile } from './syntax-tree.js';

const FIXTURES = new URL('../../../../test/fixtures/isc/', import.meta.url);

/** Lines of `after` that differ from `before`, compared position by position (a line diff for same-length texts). */
function changedLines(before: string, after: string): Array<[number, string, string]> {
  const a = before.split('\n');
  const b = after.split('\n');
  const changed: Array<[number, string, string]> = [];
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    if (a[index] !== b[index]) changed.push([index + 1, a[index] ?? '', b[index] ?? '']);
  }
  return changed;
}

function subnets(file: ConfFile): BlockNode[] {
  return file.body.filter((node): node is BlockNode => isBlock(node, 'subnet'));
}

describe('dhcpd.conf edits', () => {
  it('changes exactly one line when one value changes in a large file', () => {
    const text = generateLargeConf(2000, 5);
    const file = parse(text, 'large.conf');
    const target = subnets(file)[1234];
    setStatementTokens(childStatements(target, 'option', 'routers')[0], 2, '10.4.210.254');
    const changed = changedLines(text, print(file));
    expect(changed).toEqual([
      [expect.any(Number), '  option routers 10.4.210.1;', '  option routers 10.4.210.254;'],
    ]);
  });

  it('keeps the spacing in front of a replaced value', () => {
    const file = parse('option   domain-name-servers\t10.0.0.53 ,10.0.0.54 ;  # dns\n');
    setStatementTokens(file.body[0] as never, 2, '10.0.0.1, 10.0.0.2');
    expect(print(file)).toBe('option   domain-name-servers\t10.0.0.1, 10.0.0.2 ;  # dns\n');
  });

  it('removes a statement with its own line and same-line comment, keeping comments above', () => {
    const text =
      'subnet 10.0.0.0 netmask 255.255.255.0 {\n  # routers\n  option routers 10.0.0.1; # gw\n  range 10.0.0.5 10.0.0.9;\n}\n';
    const file = parse(text);
    const subnet = subnets(file)[0];
    removeNode(subnet, childStatements(subnet, 'option')[0]);
    expect(print(file)).toBe(
      'subnet 10.0.0.0 netmask 255.255.255.0 {\n  # routers\n  range 10.0.0.5 10.0.0.9;\n}\n',
    );
  });

  it('removes a declaration between blank lines without leaving two blank lines', () => {
    const file = parse('a;\n\nsubnet 10.0.0.0 netmask 255.0.0.0 {\n}\n\nb;\n');
    removeNode(file, file.body[1]);
    expect(print(file)).toBe('a;\n\nb;\n');
  });

  it('removes from a block written on one line', () => {
    const file = parse('host a { fixed-address 10.0.0.1; hardware ethernet 0:1:2:3:4:5; }\n');
    const host = file.body[0] as BlockNode;
    removeNode(host, host.body[1]);
    expect(print(file)).toBe('host a { fixed-address 10.0.0.1; }\n');
    removeNode(host, host.body[0]);
    expect(print(file)).toBe('host a { }\n');
  });

  it('inserts with the siblings’ indentation, tabs and CRLF, after a same-line comment', () => {
    const file = parse('subnet 10.0.0.0 netmask 255.0.0.0 {\r\n\trange 10.0.0.5 10.0.0.9; # pool\r\n}\r\n');
    const subnet = subnets(file)[0];
    insertNodes(file, subnet, 1, [
      'option routers 10.0.0.1',
      { header: 'pool', body: ['range 10.0.1.5 10.0.1.9'] },
    ]);
    expect(print(file)).toBe(
      'subnet 10.0.0.0 netmask 255.0.0.0 {\r\n\trange 10.0.0.5 10.0.0.9; # pool\r\n\toption routers 10.0.0.1;\r\n' +
        '\tpool {\r\n\t\trange 10.0.1.5 10.0.1.9;\r\n\t}\r\n}\r\n',
    );
  });

  it('inserts into an empty block and at the end of a file, keeping blank-line separation', () => {
    const file = parse(
      'a;\n\nsubnet 10.0.0.0 netmask 255.0.0.0 {\n}\n\nsubnet 10.1.0.0 netmask 255.255.0.0 {\n}\n',
    );
    insertNodes(file, subnets(file)[0], 0, ['range 10.0.0.5 10.0.0.9']);
    insertNodes(file, file, file.body.length, [{ header: 'subnet 10.2.0.0 netmask 255.255.0.0', body: [] }]);
    expect(print(file)).toBe(
      'a;\n\nsubnet 10.0.0.0 netmask 255.0.0.0 {\n  range 10.0.0.5 10.0.0.9;\n}\n\n' +
        'subnet 10.1.0.0 netmask 255.255.0.0 {\n}\n\nsubnet 10.2.0.0 netmask 255.255.0.0 {\n}\n',
    );
  });

  it('sets a block put in front of a node after a blank line off by a blank line too; a statement is not', () => {
    const file = parse('authoritative;\ndefault-lease-time 600;\n\nsubnet 10.0.0.0 netmask 255.0.0.0 {\n}\n');
    insertNodes(file, file, 2, [{ header: 'failover peer "a"', body: ['primary'] }]);
    insertNodes(file, file, 3, [{ header: 'failover peer "b"', body: ['primary'] }]);
    insertNodes(file, file, 4, ['ddns-update-style none']);
    expect(print(file)).toBe(
      'authoritative;\ndefault-lease-time 600;\n\nfailover peer "a" {\n  primary;\n}\n\n' +
        'failover peer "b" {\n  primary;\n}\n\nddns-update-style none;\n\nsubnet 10.0.0.0 netmask 255.0.0.0 {\n}\n',
    );
  });

  it('inserts into an empty file and a one-line block', () => {
    const empty = parse('');
    insertNodes(empty, empty, 0, ['authoritative']);
    expect(print(empty)).toBe('authoritative;\n');
    const inline = parse('host a { fixed-address 10.0.0.1; }\n');
    insertNodes(inline, inline.body[0] as BlockNode, 1, ['hardware ethernet 0:1:2:3:4:5']);
    expect(print(inline)).toBe('host a { fixed-address 10.0.0.1; hardware ethernet 0:1:2:3:4:5; }\n');
  });

  it('replaces a node in place, keeping the comment above it', () => {
    const text = readFileSync(new URL('comments-and-spacing.conf', FIXTURES), 'utf8');
    const file = parse(text);
    const subnet = subnets(file)[1];
    const pool = subnet.body.find((node) => isBlock(node, 'pool'))!;
    replaceNode(file, subnet, pool, { header: 'pool', body: ['range 10.1.3.60 10.1.3.70'] });
    const changed = changedLines(text, print(file));
    expect(changed[0]).toEqual([expect.any(Number), '\tpool', '\tpool {']);
    expect(print(file)).toContain(
      '\t# a pool with a comment inside\n\tpool {\n\t\trange 10.1.3.60 10.1.3.70;\n\t}   \n}',
    );
  });
});
