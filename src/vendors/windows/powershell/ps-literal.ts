import { DriverError, DriverErrorCode } from '../../driver-error.js';

/**
 * The characters PowerShell's tokenizer takes as a single quote: the ASCII one and the typographic ones
 * (‘ ’ ‚ ‛). Inside a single-quoted string any of them ends the string unless doubled, so each is doubled.
 */
const SINGLE_QUOTES = /['\u2018\u2019\u201A\u201B]/g;
/** A line of a value that is empty or blank: PowerShell reading stdin would run the statement there (see below). */
const BLANK_LINE = /(^|\n)[ \t\f\v\u00A0]*(\n|$)/;

/**
 * What keeps `value` from travelling to PowerShell intact (`a NUL character`, `a carriage return`, `a blank line`),
 * or undefined when nothing does. `powershell -Command -` reads stdin line by line and runs a statement at the first
 * blank line, and .NET reads a lone CR as a line break. Validation (a shared secret's DTO) refuses the same values.
 */
export function psUnsendable(value: string): string | undefined {
  if (value.includes('\0')) return 'a NUL character';
  if (value.includes('\r')) return 'a carriage return';
  if (value.includes('\n') && BLANK_LINE.test(value)) return 'a blank line';
  return undefined;
}

/**
 * A caller's value as a PowerShell single-quoted literal: nothing inside is interpreted (no `$`, no sub-expression,
 * no escape), each quote character is doubled. A value that cannot travel intact ({@link psUnsendable}) is refused,
 * never altered; the error names the character, never the value (it may be a secret).
 */
export function psString(value: string): string {
  const unsendable = psUnsendable(value);
  if (unsendable) {
    throw new DriverError(
      DriverErrorCode.invalidConfig,
      `a value with ${unsendable} cannot be sent to PowerShell intact; remove it from the value`,
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
