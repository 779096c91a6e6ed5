/**
 * The emulator's PowerShell front in-process: the shape cache (ps-chunks.ts) must give exactly the statements a
 * plain tree-sitter parse of the same text gives, whatever the values; PowerShell's quoting (doubling, typographic
 * quotes) decides what is text and what is code; and `-Command -`'s line rule decides what runs.
 */
import fc from 'fast-check';
import type { Parser } from 'web-tree-sitter';
import { ScriptParser, templateOf } from '../support/windows/emulator/ps-chunks.js';
import { convertToJson } from '../support/windows/emulator/ps-json.js';
import { loadParser, parseScript, type Stmt } from '../support/windows/emulator/ps-syntax.js';
import { Hashtable } from '../support/windows/emulator/ps-values.js';
import { planExecution } from '../support/windows/emulator/session-plan.js';

let parser: Parser;
beforeAll(async () => {
  parser = await loadParser();
});

/** PowerShell's single-quote escaping: every single-quote character, typographic ones included, doubled. */
const quote = (v: string): string => `'${v.replace(/['\u2018\u2019\u201A\u201B]/g, (c) => c + c)}'`;

function statements(source: string): Stmt[] | 'failure' {
  const parsed = new ScriptParser(parser).parse(source);
  if ('failure' in parsed) return 'failure';
  return parsed.lines.map((_, i) => parsed.statement(i));
}

/** The plain parse, chunk by chunk as -Command - reads it (no shapes). */
function plain(source: string): Stmt[] | 'failure' {
  const out: Stmt[] = [];
  let offset = 0;
  for (const chunk of source.split(/\n[ \t]*\n/)) {
    if (chunk.trim() === '') continue;
    const r = parseScript(parser, chunk);
    if ('failure' in r) return 'failure';
    out.push(...r.program.map((s) => shift(s, offset)));
    offset += chunk.split('\n').length + 1;
  }
  return out;
}

function shift(node: Stmt, by: number): Stmt {
  return JSON.parse(JSON.stringify(node), (k, v: unknown) =>
    k === 'line' || k === 'endLine' ? (v as number) + by : v,
  ) as Stmt;
}

const strip = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v), (k, x: unknown) => (k === 'lit' ? undefined : x));

const ascii = ['a', ' ', "'", ';', '$', '(', ')', '-', '{', '}', '1', '|', '@'];
const text = fc.string({ unit: fc.constantFrom(...ascii, '\u2019') });
/** tree-sitter-powershell does not know typographic quotes (PowerShell does): compared on ASCII text only. */
const asciiText = fc.string({ unit: fc.constantFrom(...ascii) });

describe('shape cache = plain parse (ps-chunks.ts)', () => {
  test('any value, doubled as the contract says, arrives as exactly that text', () => {
    fc.assert(
      fc.property(text, (value) => {
        const got = statements(`Set-DhcpServerv4Scope -ScopeId '10.1.2.0' -Name ${quote(value)}\n`);
        expect(got).not.toBe('failure');
        const stmt = (got as Stmt[])[0];
        expect(stmt).toMatchObject({
          k: 'pipe',
          elems: [{ k: 'cmd', args: [{}, {}, {}, { k: 'value', e: { k: 'str', v: value } }] }],
        });
      }),
      { numRuns: 300 },
    );
  });

  test('any value spliced raw: the shape cache parses it exactly as tree-sitter parses the text itself', () => {
    fc.assert(
      fc.property(asciiText, fc.integer({ min: 0, max: 9999 }), (value, n) => {
        const source = `try {\n  Set-DhcpServerv4Scope -ScopeId '10.1.2.0' -Name '${value}' -Delay ${n}\n} catch {\n  $e = @{ step = ${n} }\n}\n\n`;
        expect(strip(statements(source))).toEqual(strip(plain(source)));
      }),
      { numRuns: 300 },
    );
  });

  test('shapes are shared: two steps differing only in values are one shape', () => {
    const a = templateOf(
      "Add-DhcpServerv4Reservation -ScopeId '10.1.2.0' -IPAddress '10.1.2.5' -ClientId 'x'; $r = @{ step = 1 }",
    );
    const b = templateOf(
      "Add-DhcpServerv4Reservation -ScopeId '10.9.9.0' -IPAddress '10.9.9.9' -ClientId 'it''s'; $r = @{ step = 22 }",
    );
    expect(a?.shape).toBe(b?.shape);
    expect(b?.values).toEqual(['10.9.9.0', '10.9.9.9', "it's", 22]);
  });

  test('a typographic quote ends the string as in PowerShell: the rest is code', () => {
    const got = statements(
      "Set-DhcpServerv4Scope -ScopeId '10.1.2.0' -Name 'a\u2019; Remove-DhcpServerv4Scope -ScopeId '10.1.3.0'\n",
    );
    expect(Array.isArray(got) && got.length).toBe(2);
  });
});

describe('-Command - line rule (session-plan.ts)', () => {
  const plan = (source: string): ReturnType<typeof planExecution> => {
    const parsed = new ScriptParser(parser).parse(source);
    if ('failure' in parsed) throw new Error(parsed.failure.message);
    return planExecution(parsed.lines, source);
  };

  test('single-line statements run line by line; a block runs at the empty line after it', () => {
    expect(plan('$a = 1\n$b = 2\ntry {\n  $c = 3\n} catch {\n  $d = 4\n}\n\n$e = 5\n')).toEqual({
      groups: [[0], [1], [2], [3]],
      dropped: 0,
    });
  });

  test('a last block without an empty line after it is read but never run', () => {
    expect(plan('$a = 1\nif ($a) {\n  $b = 2\n}\n')).toEqual({ groups: [[0]], dropped: 1 });
  });

  test('an empty line inside a block is a parse error', () => {
    expect('failure' in new ScriptParser(parser).parse('try {\n  $a = 1\n\n} catch {\n}\n\n')).toBe(true);
  });
});

describe('ConvertTo-Json (Windows PowerShell 5.1)', () => {
  test('containers deeper than -Depth are written as their type name', () => {
    const inner = new Hashtable();
    inner.set('b', 1);
    const outer = new Hashtable();
    outer.set('a', inner);
    expect(convertToJson([outer], 1, true)).toBe('[{"a":"System.Collections.Hashtable"}]');
    expect(convertToJson([outer], 2, true)).toBe('[{"a":{"b":1}}]');
  });
});
