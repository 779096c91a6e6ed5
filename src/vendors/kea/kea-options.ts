import type { DhcpOption } from '../scope-content.js';
import type { KeaOptionData } from './kea-config.types.js';

/** Codes of the standard DHCPv4 options Kea names (RFC 2132 and friends), for option-data that gives only a name. */
const STANDARD_CODES: Record<string, number> = {
  'subnet-mask': 1,
  'time-offset': 2,
  routers: 3,
  'time-servers': 4,
  'name-servers': 5,
  'domain-name-servers': 6,
  'log-servers': 7,
  'host-name': 12,
  'boot-size': 13,
  'domain-name': 15,
  'ip-forwarding': 19,
  'default-ip-ttl': 23,
  'interface-mtu': 26,
  'broadcast-address': 28,
  'static-routes': 33,
  'ntp-servers': 42,
  'vendor-encapsulated-options': 43,
  'netbios-name-servers': 44,
  'netbios-node-type': 46,
  'netbios-scope': 47,
  'dhcp-lease-time': 51,
  'dhcp-renewal-time': 58,
  'dhcp-rebinding-time': 59,
  'vendor-class-identifier': 60,
  'tftp-server-name': 66,
  'boot-file-name': 67,
  'domain-search': 119,
  'classless-static-route': 121,
  'vivso-suboptions': 125,
};
const STANDARD_NAMES = Object.fromEntries(Object.entries(STANDARD_CODES).map(([name, code]) => [code, name]));

/** Option-data keys the model holds; the others (`always-send`, ...) are the option's vendorExtras. */
const MODELLED_OPTION_KEYS = new Set(['name', 'code', 'data', 'space', 'csv-format']);
/** Flags config-get gives every option: at these values they say nothing, and are not reported. */
const OPTION_DEFAULTS: Record<string, unknown> = { 'always-send': false, 'never-send': false };

/**
 * Kea option-data in the dhcp4 space -> the model. The value stays Kea's own text (CSV as Kea prints it), which
 * round-trips exactly; options of other spaces are not scope options and stay in the vendor extras. The option's
 * other settings (`always-send`, ...) are its own `vendorExtras`.
 */
export function optionFromKea(option: KeaOptionData): DhcpOption | undefined {
  if (option.space !== undefined && option.space !== 'dhcp4') {
    return undefined;
  }
  const code = option.code ?? (option.name ? STANDARD_CODES[option.name] : undefined);
  if (code === undefined) {
    return undefined;
  }
  const name = option.name ?? STANDARD_NAMES[code];
  const extras = settingsOf(option, MODELLED_OPTION_KEYS, OPTION_DEFAULTS);
  return {
    code,
    ...(name ? { name } : {}),
    value: option.data ?? '',
    ...(option['csv-format'] === false ? { format: 'hex' as const } : {}),
    ...(extras ? { vendorExtras: extras } : {}),
  };
}

/**
 * The keys of `entry` outside `modelled` whose value is not the default config-get gives every entry (nor undefined,
 * nor an empty list); undefined when there are none. One pass and no object unless one is found: a large
 * configuration has hundreds of thousands of options and reservations, nearly all without any.
 */
export function settingsOf(
  entry: object,
  modelled: ReadonlySet<string>,
  defaults: Readonly<Record<string, unknown>>,
): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  // for...in, not Object.entries: no arrays made per entry, for each of hundreds of thousands of entries.
  for (const key in entry) {
    if (modelled.has(key)) continue;
    const value = (entry as Record<string, unknown>)[key];
    if (value === undefined || defaults[key] === value) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    (found ??= {})[key] = value;
  }
  return found;
}

/**
 * The model -> Kea option-data, with `extras` as the option's other settings: by default its own (a Kea source's);
 * a caller writing a copy from elsewhere passes the destination's own instead.
 */
export function optionToKea(
  option: DhcpOption,
  extras: Record<string, unknown> | undefined = option.vendorExtras,
): KeaOptionData {
  const name = option.name ?? STANDARD_NAMES[option.code];
  const data = Array.isArray(option.value) ? option.value.join(', ') : String(option.value);
  const written: KeaOptionData = {
    ...(name ? { name } : {}),
    code: option.code,
    space: 'dhcp4',
    'csv-format': option.format !== 'hex',
    data,
  };
  if (extras) {
    for (const [key, value] of Object.entries(extras)) {
      if (!MODELLED_OPTION_KEYS.has(key)) (written as Record<string, unknown>)[key] = structuredClone(value);
    }
  }
  return written;
}

/** Splits option-data into what the model holds and what it cannot (kept verbatim). */
export function splitOptions(options: KeaOptionData[] = []): {
  modelled: DhcpOption[];
  other: KeaOptionData[];
} {
  const modelled: DhcpOption[] = [];
  const other: KeaOptionData[] = [];
  for (const option of options) {
    const mapped = optionFromKea(option);
    if (mapped) modelled.push(mapped);
    else other.push(option);
  }
  return { modelled, other };
}
