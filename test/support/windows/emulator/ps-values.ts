/**
 * The .NET-like values a script sees: IPAddress, TimeSpan, Version, CIM instances, hashtables, error records.
 * Plain JS values stand for the rest: string, number (Int32/UInt32/Double alike), boolean, null, arrays (object[]).
 */

export class IPAddress {
  constructor(readonly address: string) {}
  get IPAddressToString(): string {
    return this.address;
  }
  toString(): string {
    return this.address;
  }
}

export class TimeSpan {
  constructor(readonly totalMs: number) {}
  static fromSeconds(seconds: number): TimeSpan {
    return new TimeSpan(Math.round(seconds * 1000));
  }
  /** .NET's "c" format, [-][d.]hh:mm:ss[.fffffff], which is what [string] and ToString() print. */
  toString(): string {
    const sign = this.totalMs < 0 ? '-' : '';
    let ms = Math.abs(this.totalMs);
    const days = Math.floor(ms / 86_400_000);
    ms -= days * 86_400_000;
    const pad = (n: number): string => String(n).padStart(2, '0');
    const h = Math.floor(ms / 3_600_000);
    const m = Math.floor((ms % 3_600_000) / 60_000);
    const s = Math.floor((ms % 60_000) / 1000);
    const frac = ms % 1000 ? `.${String(ms % 1000).padStart(3, '0')}0000` : '';
    return `${sign}${days ? `${days}.` : ''}${pad(h)}:${pad(m)}:${pad(s)}${frac}`;
  }
}

export class Version {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** A CIM instance (or PSObject) with case-insensitive properties, as PowerShell resolves them. */
export class PsObject {
  private readonly lower = new Map<string, string>();
  constructor(
    readonly typeName: string,
    readonly props: Record<string, unknown>,
  ) {
    for (const key of Object.keys(props)) this.lower.set(key.toLowerCase(), key);
  }
  get(name: string): unknown {
    const key = this.lower.get(name.toLowerCase());
    return key === undefined ? undefined : this.props[key];
  }
  has(name: string): boolean {
    return this.lower.has(name.toLowerCase());
  }
  toString(): string {
    return this.typeName;
  }
}

/** `@{ }`: keys compare case-insensitively; insertion order is kept (PowerShell's order is unspecified). */
export class Hashtable {
  readonly entries = new Map<string, { key: string; value: unknown }>();
  set(key: string, value: unknown): void {
    this.entries.set(key.toLowerCase(), { key, value });
  }
  get(key: string): unknown {
    return this.entries.get(key.toLowerCase())?.value;
  }
  has(key: string): boolean {
    return this.entries.has(key.toLowerCase());
  }
  toString(): string {
    return 'System.Collections.Hashtable';
  }
}

export function isNull(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

/** PowerShell's conversion to string: arrays joined by spaces, $null as ''. */
export function toPsString(v: unknown): string {
  if (isNull(v)) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(toPsString).join(' ');
  return printable(v);
}

/** .NET's ToString() of the object types here (each defines toString); a plain object prints its kind. */
export function printable(v: unknown): string {
  const own = (v as { toString?: unknown }).toString;
  return typeof own === 'function' && own !== Object.prototype.toString
    ? (v as { toString(): string }).toString()
    : 'System.Object';
}

/** PowerShell truthiness: '' 0 $null and empty arrays are false; a one-element array is its element's truth. */
export function toBool(v: unknown): boolean {
  if (isNull(v)) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length === 0 ? false : v.length === 1 ? toBool(v[0]) : true;
  return true;
}

/** -eq/-ne semantics for scalars: case-insensitive strings, the right side converted to the left side's type. */
export function psEquals(a: unknown, b: unknown): boolean {
  if (isNull(a) || isNull(b)) return isNull(a) && isNull(b);
  if (typeof a === 'number') {
    const n = typeof b === 'number' ? b : Number(toPsString(b));
    return !Number.isNaN(n) && a === n;
  }
  if (typeof a === 'boolean') return a === toBool(b);
  if (typeof a === 'string') return a.toLowerCase() === toPsString(b).toLowerCase();
  if (a instanceof IPAddress || a instanceof TimeSpan || a instanceof Version)
    return toPsString(a).toLowerCase() === toPsString(b).toLowerCase();
  return a === b;
}

/** Pipeline enumeration: arrays unroll, everything else is one item ($null is one item too, as in PowerShell). */
export function enumerate(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

/** Output of a pipeline collected into a value: nothing → $null, one item → the item, more → an array. */
export function collect(items: unknown[]): unknown {
  if (items.length === 0) return null;
  return items.length === 1 ? items[0] : items;
}
