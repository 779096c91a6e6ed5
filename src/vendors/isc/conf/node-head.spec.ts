import { describe, expect, it } from '@jest/globals';
import { loadConf } from './include-resolver.js';
import { readScopes } from './isc-subnet.mapper.js';
import {
  headBefore,
  headerWords,
  headKind,
  headLength,
  headStartsWith,
  headStartsWithWords,
  headText,
  headValue,
  nodeText,
} from './node-head.js';
import { parse } from './parser.js';
import { type SourceBlock, type SourceStatement } from './source-nodes.js';
import type { ConfFile, ConfNode } from './syntax-tree.js';

const TEXT = [
  'OPTION Domain-Name "ex\\"ample.org";   # comment',
  'option my-opt code 224 = { ip-address, text };',
  'failover peer "fo" { primary; }',
  'subnet 10.1.2.0 netmask 255.255.255.0 {',
  '  option domain-name-servers 10.1.2.53,  10.1.2.54;',
  '  pool { failover peer "fo"; range 10.1.2.10 10.1.2.20; }',
  '  host a { hardware ethernet 0:11:22:33:44:55; fixed-address 10.1.2.5; option host-name "a"; }',
  '}',
  '',
].join('\n');

function nodes(file: ConfFile): ConfNode[] {
  const all: ConfNode[] = [];
  const visit = (body: ConfNode[]): void => {
    for (const node of body) {
      all.push(node);
      if (node.kind === 'block') visit(node.body);
    }
  };
  visit(file.body);
  return all;
}

/** Every head read, as the token objects give it (made here, so the node is no longer pristine afterwards). */
function readHead(node: ConfNode): unknown {
  const length = headLength(node);
  return {
    length,
    kinds: Array.from({ length }, (_, index) => headKind(node, index)),
    texts: Array.from({ length }, (_, index) => headText(node, index)),
    before: Array.from({ length }, (_, index) => headBefore(node, index)),
    values: Array.from({ length }, (_, index) => headValue(node, index)),
    words: headerWords(node),
    // A block's text is made from its token objects (only statements have the shortcut).
    text: node.kind === 'statement' ? nodeText(node) : undefined,
    keywords: [
      headStartsWith(node, ['option']),
      headStartsWith(node, ['option', 'domain-name']),
      headStartsWith(node, ['failover', 'peer', 'fo']),
      headStartsWith(node, ['subnet']),
    ],
    // The same, keywords given one by one (isBlock, isStatement).
    keywordsGiven: [
      headStartsWithWords(node, 'option'),
      headStartsWithWords(node, 'option', 'domain-name'),
      headStartsWithWords(node, 'failover', 'peer', 'fo'),
      headStartsWithWords(node, 'subnet'),
    ],
  };
}

describe('reading a node head', () => {
  it('gives the same answers from the token table (pristine) as from the token objects', () => {
    const pristine = nodes(parse(TEXT));
    const fromTable = pristine.map(readHead);
    expect(pristine.every((node) => (node as SourceStatement | SourceBlock).pristine)).toBe(true);
    const materialized = nodes(parse(TEXT));
    for (const node of materialized) {
      // Making the token objects is what an edit does first.
      if (node.kind === 'block') void node.header;
      else void node.tokens;
    }
    expect(materialized.some((node) => (node as SourceStatement | SourceBlock).pristine)).toBe(false);
    expect(materialized.map(readHead)).toEqual(fromTable);
    expect(fromTable[0]).toMatchObject({
      words: ['option', 'domain-name', 'ex"ample.org'],
      text: 'OPTION Domain-Name "ex\\"ample.org";',
      keywords: [true, true, false, false],
      keywordsGiven: [true, true, false, false],
    });
  });

  it('reads a whole configuration into the model without making token objects', async () => {
    const { files } = await loadConf('/etc/dhcp/dhcpd.conf', () => Promise.resolve(TEXT));
    const scopes = readScopes({ mainPath: '/etc/dhcp/dhcpd.conf', files, originals: new Map() });
    expect(scopes.get('10.1.2.0')?.reservations).toMatchObject([
      { address: '10.1.2.5', hardwareAddress: '00:11:22:33:44:55', name: 'a' },
    ]);
    const file = files.get('/etc/dhcp/dhcpd.conf')!;
    expect(nodes(file).filter((node) => !(node as SourceStatement | SourceBlock).pristine)).toEqual([]);
  });
});
