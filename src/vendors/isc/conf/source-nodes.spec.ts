import { parse } from './parser.js';
import { print } from './printer.js';
import { SourceBlock, SourceStatement } from './source-nodes.js';
import type { BlockNode, StatementNode } from './syntax-tree.js';

const TEXT = [
  '# top comment',
  'option domain-name "example.org";   # same-line comment',
  '',
  'subnet 10.1.2.0 netmask 255.255.255.0 {',
  '\trange 10.1.2.10 10.1.2.20;',
  '  host a { hardware ethernet 00:11:22:33:44:55; }',
  '}',
  '',
].join('\n');

describe('nodes made by the parser', () => {
  it('make no token objects until asked, and print from the source meanwhile', () => {
    const file = parse(TEXT, 'lazy.conf');
    const [option, subnet] = file.body as [SourceStatement, SourceBlock];
    expect(option).toBeInstanceOf(SourceStatement);
    expect(subnet).toBeInstanceOf(SourceBlock);
    expect(option.pristine && subnet.pristine).toBe(true);
    expect(print(file)).toBe(TEXT);
  });

  it('give tokens their text, trivia and 1-based position when asked', () => {
    const file = parse(TEXT, 'lazy.conf');
    const subnet = file.body[1] as BlockNode;
    const range = subnet.body[0] as StatementNode;
    expect(range.tokens.map((token) => [token.text, token.before, token.line, token.column])).toEqual([
      ['range', '\n\t', 5, 2],
      ['10.1.2.10', ' ', 5, 8],
      ['10.1.2.20', ' ', 5, 18],
    ]);
    expect(subnet.header.map((token) => token.text)).toEqual([
      'subnet',
      '10.1.2.0',
      'netmask',
      '255.255.255.0',
    ]);
    expect(subnet.close.before).toBe('\n');
    expect((range as SourceStatement).pristine).toBe(false);
    // Read but not changed: the same bytes.
    expect(print(file)).toBe(TEXT);
  });

  it('keep token objects once made: a statement edited twice keeps both edits', () => {
    const file = parse(TEXT, 'lazy.conf');
    const option = file.body[0] as StatementNode;
    option.semi.before = ' ';
    option.tokens = option.tokens.slice(0, 2);
    expect(print(file).split('\n')[1]).toBe('option domain-name ;   # same-line comment');
  });

  it('print an edited node from its tokens and every other node as it was', () => {
    const file = parse(TEXT, 'lazy.conf');
    const subnet = file.body[1] as BlockNode;
    (subnet.body[0] as StatementNode).tokens[2].text = '10.1.2.30';
    const host = subnet.body[1] as BlockNode;
    host.header[1].text = 'b';
    file.eof.before += '# appended\n';
    expect(print(file)).toBe(
      TEXT.replace('10.1.2.20', '10.1.2.30').replace('host a', 'host b') + '# appended\n',
    );
  });
});
