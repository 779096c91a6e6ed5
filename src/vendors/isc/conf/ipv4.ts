import type { AddressRange } from '../../scope-content.js';

/** Inclusive numeric address range. */
export interface NumericRange {
  start: number;
  end: number;
}

const DOTTED = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(text: string): boolean {
  return DOTTED.test(text);
}

/** `10.1.2.3` -> its 32-bit value; NaN for anything but digits and dots. (Char codes: it runs per host and range.) */
export function ipToNumber(ip: string): number {
  let value = 0;
  let octet = 0;
  for (let index = 0; index < ip.length; index += 1) {
    const code = ip.charCodeAt(index);
    if (code === 46) {
      value = value * 256 + octet;
      octet = 0;
    } else if (code >= 48 && code <= 57) {
      octet = octet * 10 + (code - 48);
    } else {
      return NaN;
    }
  }
  return ip === '' ? NaN : value * 256 + octet;
}

export function numberToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** `255.255.255.0` -> 24; undefined when the mask is not contiguous. */
export function prefixLength(netmask: string): number | undefined {
  if (!isIpv4(netmask)) return undefined;
  const bits = ipToNumber(netmask).toString(2).padStart(32, '0');
  const length = bits.indexOf('0') === -1 ? 32 : bits.indexOf('0');
  return bits.slice(length).includes('1') ? undefined : length;
}

export function netmaskOf(prefix: number): string {
  return numberToIp(prefix === 0 ? 0 : (2 ** 32 - 2 ** (32 - prefix)) >>> 0);
}

/** `10.1.2.0/24` -> network and broadcast as numbers. */
export function cidrRange(cidr: string): NumericRange & { prefix: number; network: string } {
  const [network, bits] = cidr.split('/');
  const prefix = Number(bits);
  const start = ipToNumber(network);
  return { start, end: start + 2 ** (32 - prefix) - 1, prefix, network };
}

/** The addresses a subnet can lease: all but the network and broadcast addresses (all of a /31 or /32). */
export function usableRange(cidr: string): NumericRange {
  const { start, end, prefix } = cidrRange(cidr);
  return prefix >= 31 ? { start, end } : { start: start + 1, end: end - 1 };
}

export function toNumeric(range: AddressRange): NumericRange {
  const a = ipToNumber(range.start);
  const b = ipToNumber(range.end);
  return { start: Math.min(a, b), end: Math.max(a, b) };
}

export function toDotted(range: NumericRange): AddressRange {
  return { start: numberToIp(range.start), end: numberToIp(range.end) };
}

/** Sorted, with overlapping and adjacent ranges merged. */
export function mergeRanges(ranges: NumericRange[]): NumericRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: NumericRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

/** `range` minus every range in `holes`, in order. */
export function subtractRanges(range: NumericRange, holes: NumericRange[]): NumericRange[] {
  let pieces = [range];
  for (const hole of holes) {
    pieces = pieces.flatMap((piece) => {
      if (hole.end < piece.start || hole.start > piece.end) return [piece];
      const left = hole.start > piece.start ? [{ start: piece.start, end: hole.start - 1 }] : [];
      const right = hole.end < piece.end ? [{ start: hole.end + 1, end: piece.end }] : [];
      return [...left, ...right];
    });
  }
  return pieces;
}

export function intersectRanges(a: NumericRange, b: NumericRange[]): NumericRange[] {
  return b
    .map((range) => ({ start: Math.max(a.start, range.start), end: Math.min(a.end, range.end) }))
    .filter((range) => range.start <= range.end);
}

export function contains(range: NumericRange, address: number): boolean {
  return address >= range.start && address <= range.end;
}
