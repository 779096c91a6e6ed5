import {
  reservationKey,
  type AddressPool,
  type AddressRange,
  type DhcpOption,
  type Reservation,
  type ScopeContent,
  type ScopePart,
} from '../scope-content.js';
import type { KeaOptionData, KeaPool, KeaReservation, KeaSubnet4 } from './kea-config.types.js';
import { optionToKea, settingsOf, splitOptions } from './kea-options.js';

/** Subnet keys the model expresses; every other key of a subnet4 entry is reported in `vendorExtras`. */
const MODELLED_KEYS = new Set([
  'subnet',
  'pools',
  'reservations',
  'option-data',
  'valid-lifetime',
  'user-context',
]);

/**
 * Kea 2.2 has no disabled flag on a subnet. A scope is disabled here the way ISC's mapping closes one: every pool is
 * restricted to a client class no client is in (`client-class: "dfm-scope-disabled"`), so no dynamic address is
 * offered; reservations keep answering. A pool's own client class is kept in its user-context meanwhile and put
 * back when the scope is enabled again.
 */
export const DISABLED_CLASS = 'dfm-scope-disabled';
const SAVED_CLASS = 'dfm-client-class';

/** Disabled: the subnet has pools and every one is closed by {@link DISABLED_CLASS}. */
export function isSubnetDisabled(subnet: KeaSubnet4): boolean {
  const pools = subnet.pools ?? [];
  return pools.length > 0 && pools.every((pool) => pool['client-class'] === DISABLED_CLASS);
}

/** Closes every pool of the subnet (disabled) or opens the closed ones again, restoring their own classes. */
export function setSubnetEnabled(subnet: KeaSubnet4, enabled: boolean): void {
  subnet.pools = (subnet.pools ?? []).map((pool) => (enabled ? openPool(pool) : closePool(pool)));
}

function closePool(pool: KeaPool): KeaPool {
  if (pool['client-class'] === DISABLED_CLASS) return pool;
  const own = pool['client-class'];
  const context = (pool['user-context'] ?? {}) as Record<string, unknown>;
  return {
    ...pool,
    'client-class': DISABLED_CLASS,
    ...(typeof own === 'string' ? { 'user-context': { ...context, [SAVED_CLASS]: own } } : {}),
  };
}

function openPool(pool: KeaPool): KeaPool {
  if (pool['client-class'] !== DISABLED_CLASS) return pool;
  const { 'client-class': _closed, 'user-context': context, ...rest } = pool;
  const { [SAVED_CLASS]: own, ...otherContext } = (context ?? {}) as Record<string, unknown>;
  return {
    ...rest,
    ...(typeof own === 'string' ? { 'client-class': own } : {}),
    ...(Object.keys(otherContext).length > 0 ? { 'user-context': otherContext } : {}),
  };
}

/** Kea writes pools as `first - last` or as a prefix `10.0.0.0/28`. */
export function poolRange(pool: string): AddressRange {
  const dash = pool.split('-').map((part) => part.trim());
  if (dash.length === 2 && dash[0] && dash[1]) {
    return { start: dash[0], end: dash[1] };
  }
  const [address, bits] = pool.trim().split('/');
  const prefix = Number(bits);
  const base = ipToNumber(address ?? '');
  const size = 2 ** (32 - prefix);
  return { start: numberToIp(base), end: numberToIp(base + size - 1) };
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function numberToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * Kea subnet4 -> the vendor-neutral model. Kea has no exclusions; a disabled scope is one whose pools are closed. A
 * subnet of a shared network reports its name (`shared-network`) and the network's own settings
 * (`shared-network-settings`: everything but its name and subnets), so a copy created elsewhere lands in the same
 * shared network, made from them where the destination lacks it.
 */
export function subnetToScope(
  subnet: KeaSubnet4,
  sharedNetwork?: string,
  sharedNetworkSettings?: Record<string, unknown>,
): ScopeContent {
  const options = splitOptions(subnet['option-data']);
  const userContext = subnet['user-context'] ?? {};
  const extras: Record<string, unknown> = Object.fromEntries(
    Object.entries(subnet).filter(([key]) => !MODELLED_KEYS.has(key)),
  );
  if (sharedNetwork) extras['shared-network'] = sharedNetwork;
  if (sharedNetwork && sharedNetworkSettings) extras['shared-network-settings'] = sharedNetworkSettings;
  if (options.other.length > 0) extras['option-data'] = options.other;
  // A pool's own settings, not the mark of a disabled scope (`enabled` says that), nor the empty option list Kea's
  // config-get gives every pool.
  const poolExtras = (subnet.pools ?? [])
    .map(openPool)
    .filter((pool) => Object.entries(pool).some(([key, value]) => key !== 'pool' && !isEmptyList(value)));
  if (poolExtras.length > 0) extras['pools'] = poolExtras;
  const userContextExtras = Object.fromEntries(
    Object.entries(userContext).filter(([key]) => key !== 'name' && key !== 'description'),
  );
  if (Object.keys(userContextExtras).length > 0) extras['user-context'] = userContextExtras;
  return {
    subnet: subnet.subnet,
    ...(typeof userContext['name'] === 'string' ? { name: userContext['name'] } : {}),
    ...(typeof userContext['description'] === 'string' ? { description: userContext['description'] } : {}),
    enabled: !isSubnetDisabled(subnet),
    ...(typeof subnet['valid-lifetime'] === 'number' ? { leaseTime: subnet['valid-lifetime'] } : {}),
    pools: (subnet.pools ?? []).map((pool): AddressPool => poolRange(pool.pool)),
    exclusions: [],
    reservations: (subnet.reservations ?? []).map(reservationFromKea),
    options: options.modelled,
    ...(Object.keys(extras).length > 0 ? { vendorExtras: extras } : {}),
    vendor: 'kea',
  };
}

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

/** Reservation keys the model holds; the others are the reservation's vendorExtras. */
const MODELLED_RESERVATION_KEYS = new Set([
  'ip-address',
  'hw-address',
  'client-id',
  'hostname',
  'option-data',
  'user-context',
]);
/** What config-get gives every reservation: at these values a setting says nothing, and is not reported. */
const RESERVATION_DEFAULTS: Record<string, unknown> = {
  'boot-file-name': '',
  'server-hostname': '',
  'next-server': '0.0.0.0',
};

/**
 * A Kea reservation -> the model. What the model does not hold (classes, next-server, boot file, identifiers other
 * than hw-address and client-id, user-context other than the description, options of other spaces) is the
 * reservation's `vendorExtras`.
 */
function reservationFromKea(reservation: KeaReservation): Reservation {
  const context = reservation['user-context'];
  const description = context?.['description'];
  // user-context is the operator's own: every key but the description travels, whatever its value.
  let otherContext: Record<string, unknown> | undefined;
  for (const key in context) if (key !== 'description') (otherContext ??= {})[key] = context[key];
  const options = splitOptions(reservation['option-data']);
  let extras = settingsOf(reservation, MODELLED_RESERVATION_KEYS, RESERVATION_DEFAULTS);
  if (otherContext) (extras ??= {})['user-context'] = otherContext;
  if (options.other.length > 0) (extras ??= {})['option-data'] = options.other;
  const address = reservation['ip-address'];
  // Not `...(address ? { address } : {})` first: V8 builds an object literal that starts with a spread in a larger
  // form (measured: 9 MB more for 50,000 reservations, in both directions, and in the service's peak RSS).
  const mapped: Reservation = {
    address: address ?? '',
    ...(reservation['hw-address'] ? { hardwareAddress: reservation['hw-address'].toLowerCase() } : {}),
    ...(reservation['client-id'] ? { clientId: reservation['client-id'].toLowerCase() } : {}),
    ...(reservation.hostname ? { name: reservation.hostname } : {}),
    ...(typeof description === 'string' ? { description } : {}),
    options: options.modelled,
    ...(extras ? { vendorExtras: extras } : {}),
  };
  if (!address) delete mapped.address;
  return mapped;
}

/**
 * The model -> a Kea reservation. `own` is where the settings the model does not hold come from: the reservation
 * itself when the content was read from a Kea server, else the destination's reservation of the same key (kept).
 */
function reservationToKea(reservation: Reservation, own: Reservation | undefined): KeaReservation {
  const {
    'user-context': otherContext,
    'option-data': otherOptions,
    ...settings
  } = own?.vendorExtras ? structuredClone(own.vendorExtras) : ({} as Record<string, unknown>);
  const context = {
    ...(typeof otherContext === 'object' && otherContext !== null ? otherContext : {}),
    ...(reservation.description !== undefined ? { description: reservation.description } : {}),
  };
  // The reservation's own options carry their own settings; another's are matched by code (a Map only then).
  const ownOptions =
    own === reservation ? undefined : new Map((own?.options ?? []).map((o) => [o.code, o.vendorExtras]));
  // A property first, for the reason given in reservationFromKea.
  const written: KeaReservation = {
    'ip-address': reservation.address ?? '',
    ...(reservation.hardwareAddress ? { 'hw-address': reservation.hardwareAddress } : {}),
    ...(reservation.clientId ? { 'client-id': reservation.clientId } : {}),
    ...(reservation.name ? { hostname: reservation.name } : {}),
    ...(own?.vendorExtras
      ? Object.fromEntries(Object.entries(settings).filter(([key]) => !MODELLED_RESERVATION_KEYS.has(key)))
      : {}),
    ...(Object.keys(context).length > 0 ? { 'user-context': context } : {}),
    'option-data': [
      ...reservation.options.map((option) =>
        optionToKea(option, ownOptions ? ownOptions.get(option.code) : option.vendorExtras),
      ),
      ...(Array.isArray(otherOptions) ? (otherOptions as KeaOptionData[]) : []),
    ],
  };
  if (!reservation.address) delete written['ip-address'];
  return written;
}

/**
 * Whose item settings (reservation and option vendorExtras) a write takes: a Kea source's own, else (a copy from
 * another vendor, or content without the mark) the destination's, matched by reservation key and option code.
 */
function fromKea(content: ScopeContent): boolean {
  return content.vendor === 'kea';
}

function reservationsToKea(existing: KeaSubnet4 | undefined, content: ScopeContent): KeaReservation[] {
  if (fromKea(content))
    return content.reservations.map((reservation) => reservationToKea(reservation, reservation));
  const destination = new Map(
    (existing?.reservations ?? [])
      .map(reservationFromKea)
      .map((reservation) => [reservationKey(reservation), reservation]),
  );
  return content.reservations.map((reservation) =>
    reservationToKea(reservation, destination.get(reservationKey(reservation))),
  );
}

function subnetOptionsToKea(existing: KeaSubnet4 | undefined, content: ScopeContent): KeaOptionData[] {
  if (fromKea(content)) return content.options.map((option) => optionToKea(option));
  const destination = new Map<number, DhcpOption>(
    splitOptions(existing?.['option-data']).modelled.map((option) => [option.code, option]),
  );
  return content.options.map((option) => optionToKea(option, destination.get(option.code)?.vendorExtras));
}

/** Pools minus exclusions: Kea has no exclusions, so an excluded range is carved out of the pools around it. */
export function carvePools(pools: AddressRange[], exclusions: AddressRange[]): AddressRange[] {
  let ranges = pools.map((pool) => ({ start: ipToNumber(pool.start), end: ipToNumber(pool.end) }));
  for (const exclusion of exclusions.map((e) => ({ start: ipToNumber(e.start), end: ipToNumber(e.end) }))) {
    ranges = ranges.flatMap((range) => {
      if (exclusion.end < range.start || exclusion.start > range.end) return [range];
      const left = exclusion.start > range.start ? [{ start: range.start, end: exclusion.start - 1 }] : [];
      const right = exclusion.end < range.end ? [{ start: exclusion.end + 1, end: range.end }] : [];
      return [...left, ...right];
    });
  }
  return ranges.map((range) => ({ start: numberToIp(range.start), end: numberToIp(range.end) }));
}

/**
 * Applies the chosen parts of `content` to a Kea subnet (or a new one), keeping everything else of the existing
 * entry (id, timers, classes, relay, ...). `options` also covers the scope settings (name, description, lease time).
 */
export function applyScopeToSubnet(
  existing: KeaSubnet4 | undefined,
  content: ScopeContent,
  parts: readonly ScopePart[],
): KeaSubnet4 {
  const subnet: KeaSubnet4 = existing ? copyForWrite(existing, parts) : { subnet: content.subnet };
  const wasDisabled = existing !== undefined && isSubnetDisabled(existing);
  if (parts.includes('options')) {
    const kept = splitOptions(subnet['option-data']).other;
    subnet['option-data'] = [...subnetOptionsToKea(existing, content), ...kept];
    const context = { ...(subnet['user-context'] ?? {}) };
    delete context['name'];
    delete context['description'];
    if (content.name !== undefined) context['name'] = content.name;
    if (content.description !== undefined) context['description'] = content.description;
    if (Object.keys(context).length > 0) subnet['user-context'] = context;
    else delete subnet['user-context'];
    if (content.leaseTime !== undefined) setLeaseTime(subnet, content.leaseTime, content.vendorExtras);
  }
  if (parts.includes('reservations')) {
    subnet.reservations = reservationsToKea(existing, content);
  }
  if (parts.includes('pools') || parts.includes('exclusions')) {
    const currentPools = (existing?.pools ?? []).map((pool) => poolRange(pool.pool));
    const pools = parts.includes('pools') ? content.pools : currentPools;
    const exclusions = parts.includes('exclusions') ? content.exclusions : [];
    // A pool whose range stays keeps its settings (client class, pool options, ...): the source's where a Kea source
    // reported them, else the destination's own. The model has no place for them, so they are matched by range.
    const settings = poolSettingsByRange([
      ...(existing?.pools ?? []).map(openPool),
      ...sourcePoolSettings(content),
    ]);
    subnet.pools = carvePools(pools, exclusions).map((range): KeaPool => ({
      pool: `${range.start} - ${range.end}`,
      ...settings.get(`${range.start}-${range.end}`),
    }));
  }
  // The scope's state travels with the options part (as its other settings do); otherwise it stays as it was, also
  // for pools just written.
  const enabled = parts.includes('options') ? content.enabled : !wasDisabled;
  if (!enabled || wasDisabled) setSubnetEnabled(subnet, enabled);
  return subnet;
}

/**
 * Kea refuses a valid-lifetime outside the subnet's own min/max-valid-lifetime, and every config-get + config-set
 * pins those to the lifetime of the day: so a new lifetime takes a Kea source's bounds along, and a bound of the
 * destination that would exclude it goes (the global one then applies).
 */
function setLeaseTime(
  subnet: KeaSubnet4,
  lifetime: number,
  sourceExtras: ScopeContent['vendorExtras'],
): void {
  subnet['valid-lifetime'] = lifetime;
  for (const [bound, excludes] of [
    ['min-valid-lifetime', (value: number) => value > lifetime],
    ['max-valid-lifetime', (value: number) => value < lifetime],
  ] as const) {
    const source = sourceExtras?.[bound];
    const current = subnet[bound];
    if (typeof source === 'number') subnet[bound] = source;
    else if (typeof current === 'number' && excludes(current)) delete subnet[bound];
  }
}

/** Each pool's settings (everything but its range and an empty option list), by range; later pools win. */
function poolSettingsByRange(pools: readonly KeaPool[]): Map<string, Omit<KeaPool, 'pool'>> {
  const byRange = new Map<string, Omit<KeaPool, 'pool'>>();
  for (const { pool, ...rest } of pools) {
    const settings = Object.fromEntries(Object.entries(rest).filter(([, value]) => !isEmptyList(value)));
    if (Object.keys(settings).length === 0) continue;
    const range = poolRange(pool);
    byRange.set(`${range.start}-${range.end}`, structuredClone(settings));
  }
  return byRange;
}

/** The pool settings a Kea source reported (`vendorExtras.pools`, see subnetToScope). */
function sourcePoolSettings(content: ScopeContent): KeaPool[] {
  const pools = content.vendorExtras?.['pools'];
  if (!Array.isArray(pools)) return [];
  return pools.filter(
    (pool): pool is KeaPool =>
      typeof pool === 'object' && pool !== null && typeof (pool as KeaPool).pool === 'string',
  );
}

/**
 * A deep copy of `existing` without copying the lists that `parts` replace wholesale (reservations, pools): their
 * keys stay in place, so the result has the same key order as a full copy.
 */
function copyForWrite(existing: KeaSubnet4, parts: readonly ScopePart[]): KeaSubnet4 {
  const replaced = new Set<string>();
  if (parts.includes('reservations')) replaced.add('reservations');
  if (parts.includes('pools') || parts.includes('exclusions')) replaced.add('pools');
  const shallow = Object.fromEntries(
    Object.entries(existing).map(([key, value]) => [key, replaced.has(key) ? undefined : value]),
  );
  return structuredClone(shallow) as KeaSubnet4;
}

/** Extras that subnetToScope synthesises (not keys of a subnet4 entry as such). */
const SYNTHETIC_EXTRAS = new Set([
  'shared-network',
  'shared-network-settings',
  'option-data',
  'pools',
  'user-context',
]);

/**
 * A new subnet4 entry for `content`: the Kea settings the model does not hold (timers, relay, classes, the subnet
 * id, ...) come along from the source's `vendorExtras` when the source was a Kea server, so a copy made for an HA
 * partner matches the original (HA partners must agree on subnet ids).
 */
export function newSubnetFrom(content: ScopeContent, parts: readonly ScopePart[]): KeaSubnet4 {
  const extras = Object.fromEntries(
    Object.entries(content.vendorExtras ?? {}).filter(([key]) => !SYNTHETIC_EXTRAS.has(key)),
  );
  return applyScopeToSubnet({ ...structuredClone(extras), subnet: content.subnet }, content, parts);
}
