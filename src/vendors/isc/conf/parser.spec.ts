import { readdirSync, readFileSync } from 'node:fs';
import { generateLargeConf } from '../../../../test/fixtures/isc/generate-large.js';
import { parse } from './parser.js';
import { print } from './printer.js';
import { DhcpdConfSyntaxError } from './syntax-error.js';
import { type BlockNode } from './syntax-tree.js';
import { headerWords } from './node-head.js';

const FIXTURES = new URL('../../../../test/fixtures/isc/', import.meta.url);

function syntaxError(text: string): DhcpdConfSyntaxError {
  try {
    parse(text, 'test.conf');
  } catch (error) {
    if (error instanceof DhcpdConfSyntaxError) return error;
    throw error;
  }
  throw new Error('parsed without error');
}

describe('dhcpd.conf parser and printer', () => {
  const corpus = readdirSync(FIXTURES).filter((name) => name.endsWith('.conf'));

  it('has a corpus to check', () => {
    expect(corpus).toEqual(expect.arrayContaining(['debian-example.conf', 'crlf.conf', 'nested.conf']));
  });

  it.each(corpus)('prints %s back byte for byte', (name) => {
    const text = readFileSync(new URL(name, FIXTURES), 'utf8');
    expect(print(parse(text, name))).toBe(text);
  });

  it('keeps the structure: nested blocks, `};`, switch labels and braced option types', () => {
    const file = parse(readFileSync(new URL('nested.conf', FIXTURES), 'utf8'), 'nested.conf');
    const top = file.body.map((node) => headerWords(node).slice(0, 2).join(' '));
    expect(top).toEqual([
      'authoritative',
      'option space',
      'option acme.vendor-id',
      'option sip-servers',
      'option rfc3442-classless-static-routes',
      'key omapi-key',
      'failover peer',
      'class phones',
      'subclass phones',
      'if exists',
      'elsif option',
      'else',
      'on commit',
      'shared-network campus',
      'zone example.org.',
    ]);
    const key = file.body[5] as BlockNode;
    expect(key.semi?.text).toBe(';');
    const elseBlock = file.body[11] as BlockNode;
    const switchBlock = elseBlock.body[0] as BlockNode;
    expect(switchBlock.body.map((node) => node.kind)).toEqual([
      'label',
      'statement',
      'label',
      'label',
      'statement',
    ]);
    expect(file.newline).toBe('\n');
    expect(parse('a;\r\nb;\r\n').newline).toBe('\r\n');
  });

  // Its speed is bench/'s (isc-parse), not a test's: this machine is shared and timings here would be noise.
  it('round-trips a generated file of 2,000 subnets with hosts', () => {
    const text = generateLargeConf(2000, 5);
    const file = parse(text, 'large.conf');
    expect(print(file)).toBe(text);
    expect(file.body.filter((node) => headerWords(node)[0] === 'subnet')).toHaveLength(2000);
  });

  it.each([
    [
      'unbalanced open brace',
      'subnet 10.0.0.0 netmask 255.0.0.0 {\n  range 10.0.0.1 10.0.0.9;\n',
      1,
      35,
      'never closed',
    ],
    ['stray close brace', 'a;\n}\n', 2, 1, "unexpected '}'"],
    ['unterminated string', 'option domain-name "abc;\n', 1, 20, 'unterminated string'],
    [
      'missing semicolon before }',
      'pool {\n  range 10.0.0.1 10.0.0.9\n}\n',
      2,
      26,
      'missing \';\' after "range 10.0.0.1 10.0.0.9"',
    ],
    ['missing semicolon at end of file', 'authoritative;\nddns-update-style none', 2, 23, 'the file ends'],
    ['stray semicolon', 'a;\n  ;\n', 2, 3, "unexpected ';'"],
    ['brace without declaration', '{ a; }', 1, 1, "'{' with no declaration"],
    ['unclosed braced value', 'option x code 200 = { text;\n', 1, 21, 'never closed'],
    ['label without colon', 'switch (x) {\n  case "a"\n  ;\n}\n', 3, 3, "missing ':'"],
  ])('reports %s with its line and column', (_what, text, line, column, message) => {
    const error = syntaxError(text);
    expect({ line: error.line, column: error.column, file: error.file }).toEqual({
      line,
      column,
      file: 'test.conf',
    });
    expect(error.message).toContain(message);
    expect(error.message).toMatch(/^test\.conf line \d+, column \d+: /);
  });

  it("quotes a key's statement without its secret, quoted or not", () => {
    for (const secret of ['"c2VjcmV0LWtleQ=="', 'c2VjcmV0LWtleQ==']) {
      const error = syntaxError(`key k {\n  algorithm hmac-md5\n  secret ${secret}\n}\n`);
      expect(error.message).toContain('missing \';\' after "algorithm hmac-md5 secret [redacted]"');
      expect(error.message).not.toContain('c2VjcmV0LWtleQ');
    }
  });
});
