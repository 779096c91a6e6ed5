import {
  reservationKey,
  type AddressPool,
  type AddressRange,
  type DhcpOption,
  type Reservation,
  type ScopeContent,
  type ScopePart,
} from '../vendors/scope-content.js';

export interface ItemChanges<T> {
  added: T[];
  removed: T[];
  /**
   * Same key (address range, option code; a reservation's address, else its hardware address, client id or name) on
   * both sides, different content.
   */
  changed: Array<{ key: string; before: T; after: T }>;
}

export interface SettingChange {
  setting: 'name' | 'description' | 'leaseTime' | 'enabled';
  before: unknown;
  after: unknown;
}

/** What replacing `before` with `after` changes, part by part; parts not replaced are absent. */
export interface ScopeDiff {
  /** True when the destination has no such scope yet: everything in `after` is added. */
  created: boolean;
  unchanged: boolean;
  settings?: SettingChange[];
  options?: ItemChanges<DhcpOption>;
  reservations?: ItemChanges<Reservation>;
  pools?: ItemChanges<AddressPool>;
  exclusions?: ItemChanges<AddressRange>;
}

const SETTINGS = ['name', 'description', 'leaseTime', 'enabled'] as const;

/**
 * The diff a replication would make on a destination scope: for each part being replaced, what is added, removed and
 * changed, with before and after values. Scope settings (name, description, lease time, state) travel with the
 * options part, as the drivers write them. The destination's own failover peer on pools is not content: it is
 * ignored here, as replication keeps it. A reservation's or option's own `vendorExtras` count only between copies of
 * the same vendor (ScopeContent.vendor): a copy from another vendor leaves the destination's in place, so they are
 * no difference then.
 */
export function diffScope(
  before: ScopeContent | undefined,
  after: ScopeContent,
  parts: readonly ScopePart[],
): ScopeDiff {
  const diff: ScopeDiff = { created: before === undefined, unchanged: true };
  if (before !== undefined && (before.vendor === undefined || before.vendor !== after.vendor)) {
    before = withoutItemExtras(before);
    after = withoutItemExtras(after);
  }
  if (parts.includes('options')) {
    diff.settings = SETTINGS.filter((setting) =>
      before === undefined ? after[setting] !== undefined : !sameValue(before[setting], after[setting]),
    ).map((setting) => ({ setting, before: before?.[setting], after: after[setting] }));
    diff.options = changes(before?.options ?? [], after.options, (option) => String(option.code));
  }
  if (parts.includes('reservations')) {
    diff.reservations = changes(before?.reservations ?? [], after.reservations, reservationKey);
  }
  if (parts.includes('pools')) {
    const withoutPeer = ({ start, end }: AddressPool): AddressPool => ({ start, end });
    diff.pools = changes((before?.pools ?? []).map(withoutPeer), after.pools.map(withoutPeer), rangeKey);
  }
  if (parts.includes('exclusions')) {
    diff.exclusions = changes(before?.exclusions ?? [], after.exclusions, rangeKey);
  }
  diff.unchanged =
    !diff.created &&
    (diff.settings ?? []).length === 0 &&
    [diff.options, diff.reservations, diff.pools, diff.exclusions].every(
      (items) => !items || items.added.length + items.removed.length + items.changed.length === 0,
    );
  return diff;
}

/**
 * What diffScope says of a scope replaced by one equal to it, for callers that know they are equal without reading
 * them (a vendor's own comparison, DhcpDriver.compareCopy).
 */
export function unchangedDiff(parts: readonly ScopePart[]): ScopeDiff {
  const none = <T>(): ItemChanges<T> => ({ added: [], removed: [], changed: [] });
  const diff: ScopeDiff = { created: false, unchanged: true };
  if (parts.includes('options')) {
    diff.settings = [];
    diff.options = none();
  }
  if (parts.includes('reservations')) diff.reservations = none();
  if (parts.includes('pools')) diff.pools = none();
  if (parts.includes('exclusions')) diff.exclusions = none();
  return diff;
}

/** The scope without its reservations' and options' own vendorExtras (a copy; `scope` is left as it is). */
function withoutItemExtras(scope: ScopeContent): ScopeContent {
  const option = (item: DhcpOption): DhcpOption => {
    if (item.vendorExtras === undefined) return item;
    const { vendorExtras: _extras, ...rest } = item;
    return rest;
  };
  const reservation = (item: Reservation): Reservation => {
    const { vendorExtras: _extras, ...rest } = item;
    return { ...rest, options: rest.options.map(option) };
  };
  return { ...scope, options: scope.options.map(option), reservations: scope.reservations.map(reservation) };
}

function rangeKey(range: AddressRange): string {
  return `${range.start}-${range.end}`;
}

function changes<T>(before: T[], after: T[], keyOf: (item: T) => string): ItemChanges<T> {
  const beforeByKey = new Map(before.map((item) => [keyOf(item), item]));
  const afterByKey = new Map(after.map((item) => [keyOf(item), item]));
  const result: ItemChanges<T> = { added: [], removed: [], changed: [] };
  for (const [key, item] of afterByKey) {
    const previous = beforeByKey.get(key);
    if (previous === undefined) result.added.push(item);
    else if (!sameValue(previous, item)) result.changed.push({ key, before: previous, after: item });
  }
  for (const [key, item] of beforeByKey) {
    if (!afterByKey.has(key)) result.removed.push(item);
  }
  return result;
}

/**
 * Structural equality for model values (plain data: objects compared key by key, order-insensitive, a key whose value
 * is undefined counting as absent). Without intermediate arrays: it runs for every reservation and option.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i += 1) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let defined = 0;
  for (const key in left) {
    if (left[key] === undefined) continue;
    defined += 1;
    if (!sameValue(left[key], right[key])) return false;
  }
  for (const key in right) if (right[key] !== undefined) defined -= 1;
  return defined === 0;
}
