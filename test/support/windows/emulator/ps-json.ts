/**
 * ConvertTo-Json as Windows PowerShell 5.1 writes it: JavaScriptSerializer escaping (<, >, &, ' as \u003c ...),
 * objects deeper than -Depth written as their ToString(), and the 5.1 indented layout unless -Compress.
 */
import { Hashtable, IPAddress, isNull, printable, PsObject, TimeSpan, Version } from './ps-values.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function convertToJson(value: unknown, depth: number, compress: boolean): string {
  const tree = toJson(value, 0, depth);
  return compress ? compact(tree) : pretty(tree, 0);
}

function toJson(value: unknown, level: number, depth: number): Json {
  if (isNull(value)) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const container = Array.isArray(value) || value instanceof Hashtable || value instanceof PsObject;
  const dotNet = value instanceof IPAddress || value instanceof TimeSpan || value instanceof Version;
  if ((container || dotNet) && level > depth) return printable(value);
  if (Array.isArray(value)) return value.map((v) => toJson(v, level + 1, depth));
  const out: Record<string, Json> = {};
  const put = (k: string, v: unknown): void => {
    out[k] = toJson(v, level + 1, depth);
  };
  if (value instanceof Hashtable) for (const { key, value: v } of value.entries.values()) put(key, v);
  else if (value instanceof PsObject) for (const [k, v] of Object.entries(value.props)) put(k, v);
  else if (value instanceof IPAddress) {
    const octets = value.address.split('.').map(Number);
    put(
      'Address',
      octets.reduceRight((acc, o) => acc * 256 + o, 0),
    );
    put('AddressFamily', 2);
    put('ScopeId', null);
    put('IsIPv6Multicast', false);
    put('IsIPv6LinkLocal', false);
    put('IsIPv6SiteLocal', false);
    put('IsIPv6Teredo', false);
    put('IsIPv4MappedToIPv6', false);
    put('IPAddressToString', value.address);
  } else if (value instanceof TimeSpan) {
    const ms = value.totalMs;
    put('Ticks', ms * 10_000);
    put('Days', Math.trunc(ms / 86_400_000));
    put('Hours', Math.trunc(ms / 3_600_000) % 24);
    put('Milliseconds', ms % 1000);
    put('Minutes', Math.trunc(ms / 60_000) % 60);
    put('Seconds', Math.trunc(ms / 1000) % 60);
    put('TotalDays', ms / 86_400_000);
    put('TotalHours', ms / 3_600_000);
    put('TotalMilliseconds', ms);
    put('TotalMinutes', ms / 60_000);
    put('TotalSeconds', ms / 1000);
  } else if (value instanceof Version) {
    const [major, minor, build, revision] = value.text.split('.').map(Number);
    Object.assign(out, {
      Major: major ?? 0,
      Minor: minor ?? 0,
      Build: build ?? -1,
      Revision: revision ?? -1,
    });
  } else return printable(value);
  return out;
}

function quote(s: string): string {
  return JSON.stringify(s).replace(/[<>&']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function compact(v: Json): string {
  if (v === null || typeof v !== 'object') return typeof v === 'string' ? quote(v) : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(compact).join(',')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${quote(k)}:${compact(x)}`)
    .join(',')}}`;
}

/** 5.1's layout: four-space indent and two spaces after the colon. */
function pretty(v: Json, indent: number): string {
  if (v === null || typeof v !== 'object') return compact(v);
  const pad = ' '.repeat(indent + 4);
  const end = ' '.repeat(indent);
  if (Array.isArray(v))
    return v.length === 0
      ? '[\r\n\r\n]'
      : `[\r\n${v.map((x) => pad + pretty(x, indent + 4)).join(',\r\n')}\r\n${end}]`;
  const entries = Object.entries(v);
  if (entries.length === 0) return '{\r\n\r\n}';
  return `{\r\n${entries.map(([k, x]) => `${pad}${quote(k)}:  ${pretty(x, indent + 4)}`).join(',\r\n')}\r\n${end}}`;
}
