import { DriverError, DriverErrorCode } from '../../driver-error.js';

/**
 * The characters PowerShell's tokenizer takes as a single quote: the ASCII one and the typographic ones
 * (‘ ’ ‚ ‛). Inside a single-quoted string any of them ends the string unless doubled, so each is doubled.
 */
const SINGLE_QUOTES = /['\u2018\u2019\u201A\u201B]/g;
/** A line of a value that is empty or blank: PowerShell reading stdin would run the statement there (see below). */
const BLANK_LINE = /(^|\n)[ \t\f\v\u00A0]*(\n|$)/;

/**
 * A caller's value as a PowerShell single-quoted literal: nothing inside is interpreted (no `$`, no sub-expression,
 * no escape), each quote character is doubled. `powershell -Command -` reads stdin line by line and runs a statement
 * at the first blank line, and .NET reads a lone CR as a line break, so a value with a blank line, a CR or a NUL
 * cannot travel intact: it is refused, never altered.
 */
export function psString(value: string): string {
  if (value.includes('\0') || value.includes('\r') || (value.includes('\n') && BLANK_LINE.test(value))) {
    throw new DriverError(
      DriverErrorCode.invalidConfig,
      `a value with ${value.includes('\0') ? 'a NUL character' : value.includes('\r') ? 'a carriage return' : 'a blank line'} ` +
        `cannot be sent to PowerShell intact: ${JSON.stringify(value.slice(0, 60))}`,
    );
  }
  return `'${value.replace(SINGLE_QUOTES, (quote) => quote + quote)}'`;
}

/** A number the driver computed or validated itself: a bare integer literal. */
export function psInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`);
  return String(value);
}

export function psBool(value: boolean): string {
  return value ? '$true' : '$false';
}

/** `@('a', 'b')`: a list argument (a bare comma list is not used, docs/windows.md). */
export function psList(values: readonly string[]): string {
  return `@(${values.map(psString).join(', ')})`;
}

export function psTimeSpan(seconds: number): string {
  return `([TimeSpan]::FromSeconds(${psInt(seconds)}))`;
}
