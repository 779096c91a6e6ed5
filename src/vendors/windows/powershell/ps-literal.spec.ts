import fc from 'fast-check';
import { DriverError } from '../../driver-error.js';
import { psList, psString } from './ps-literal.js';
import { PsScript } from './ps-script.js';

const QUOTES = new Set(["'", '\u2018', '\u2019', '\u201A', '\u201B']);

/**
 * PowerShell's tokenizer for a single-quoted string starting at `from` (ScanStringLiteral): any quote character
 * followed by another quote character is one quote (the second is kept); a lone one ends the string. Returns the value
 * and where the string ended.
 */
function scanSingleQuoted(text: string, from = 0): { value: string; end: number } {
  const chars = [...text];
  if (!QUOTES.has(chars[from] ?? '')) throw new Error('not a single-quoted string');
  let value = '';
  for (let i = from + 1; i < chars.length; i++) {
    const c = chars[i];
    if (QUOTES.has(c)) {
      if (!QUOTES.has(chars[i + 1] ?? '')) return { value, end: i + 1 };
      value += chars[++i];
      continue;
    }
    value += c;
  }
  throw new Error('unterminated string');
}

const hostile = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    "'; Remove-DhcpServerv4Scope -ScopeId '10.0.0.0' -Force; '",
    '$(Remove-DhcpServerv4Scope -ScopeId 10.0.0.0)',
    '‘; Remove-DhcpServerv4Scope ’',
    "it's\n‘quoted’\nthree lines",
    '`$x `n "double" @{}',
  ),
  fc
    .array(fc.constantFrom("'", '‘', '’', '‚', '‛', '\n', '$', '(', ')', ';', '"', '`', 'a', ' '), {
      maxLength: 30,
    })
    .map((parts) => parts.join('')),
);

describe('psString', () => {
  it('reads back as exactly the value, as one whole literal, for any string it accepts', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        let literal: string;
        try {
          literal = psString(value);
        } catch (error) {
          // Refused only for what cannot travel over stdin intact, and then with a DriverError.
          expect(error).toBeInstanceOf(DriverError);
          expect(/[\0\r]|(^|\n)[ \t\f\v\u00A0]*(\n|$)/.test(value)).toBe(true);
          return;
        }
        const scanned = scanSingleQuoted(literal);
        expect(scanned.value).toBe(value);
        expect(scanned.end).toBe([...literal].length);
        expect(literal.split('\n').some((line) => line.trim() === '')).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('doubles every quote character PowerShell knows, typographic ones too', () => {
    expect(psString("it's")).toBe("'it''s'");
    expect(psString('‘a’')).toBe("'‘‘a’’'");
    expect(psString('‚‛')).toBe("'‚‚‛‛'");
    expect(psString("'; Remove-DhcpServerv4Scope -ScopeId '10.0.0.0'")).toBe(
      "'''; Remove-DhcpServerv4Scope -ScopeId ''10.0.0.0'''",
    );
  });

  it('keeps single newlines and refuses blank lines, CR and NUL', () => {
    expect(psString('a\nb')).toBe("'a\nb'");
    expect(() => psString('a\n\nb')).toThrow(/blank line/);
    expect(() => psString('a\n  \nb')).toThrow(/blank line/);
    expect(() => psString('a\n')).toThrow(/blank line/);
    expect(() => psString('a\r\nb')).toThrow(/carriage return/);
    expect(() => psString('a\0')).toThrow(/NUL/);
  });

  it('names the character it refuses, never the value (it may be a secret)', () => {
    for (const value of ['TOPSECRET\r\nx', 'TOPSECRET\0', 'TOPSECRET\n\nx']) {
      expect(() => psString(value)).toThrow(/cannot be sent to PowerShell intact/);
      expect(() => psString(value)).not.toThrow(/TOPSECRET/);
    }
  });

  it('writes lists as @(...) of literals', () => {
    expect(psList(['10.0.0.1', "o'k"])).toBe("@('10.0.0.1', 'o''k')");
  });
});

describe('PsScript', () => {
  it('wraps each step in try/catch, ends each block and the script with an empty line', () => {
    const script = new PsScript();
    expect(script.step([`$s = Get-DhcpServerv4Scope -ScopeId ${psString('10.1.2.0')}`], '$s.Name')).toBe(0);
    expect(script.step(['Remove-DhcpServerv4Scope -ScopeId $x -Force'])).toBe(1);
    const text = script.toString();
    expect(text).toBe(
      [
        "$ErrorActionPreference = 'Stop'",
        '$results = @()',
        'try {',
        "  $s = Get-DhcpServerv4Scope -ScopeId '10.1.2.0'",
        '  $results += @{ step = 0; ok = $true; value = $s.Name }',
        '} catch {',
        '  $results += @{ step = 0; ok = $false; errorId = [string]$_.FullyQualifiedErrorId; message = [string]$_.Exception.Message }',
        '}',
        '',
        'try {',
        '  Remove-DhcpServerv4Scope -ScopeId $x -Force',
        '  $results += @{ step = 1; ok = $true; value = $null }',
        '} catch {',
        '  $results += @{ step = 1; ok = $false; errorId = [string]$_.FullyQualifiedErrorId; message = [string]$_.Exception.Message }',
        '}',
        '',
        'ConvertTo-Json -InputObject $results -Depth 12 -Compress',
        '',
        '',
      ].join('\n'),
    );
  });

  it('has no blank line inside a step whatever the values', () => {
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 5 }), (values) => {
        const script = new PsScript();
        const accepted = values.flatMap((value) => {
          try {
            return [psString(value)];
          } catch {
            return [];
          }
        });
        script.step(accepted.map((literal) => `Set-DhcpServerv4Scope -ScopeId '10.0.0.0' -Name ${literal}`));
        const blocks = script.toString().split('\n\n');
        // The blocks are the header+step and the final statement: no blank line inside the step.
        expect(blocks[0]).toContain('} catch {');
        expect(blocks[0]?.trimEnd().endsWith('}')).toBe(true);
      }),
    );
  });
});
