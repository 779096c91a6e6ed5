import type { ScopeContent } from '../../scope-content.js';

/** The parts mapped on first use; `enabled` first, as it is always present (see lazyScope). */
const LATER = [
  'enabled',
  'name',
  'description',
  'leaseTime',
  'exclusions',
  'reservations',
  'options',
  'vendorExtras',
] as const;

/**
 * A scope whose subnet and pools are known now and whose other parts are mapped when first read. Replication between
 * ISC servers decides most scopes from their declarations' text (isc-declaration-text.ts) and never reads the rest, which
 * is most of a read's cost. Reading any of them maps the whole scope once, from the declaration as it is then: the
 * caller reads what it needs before it changes the configuration it read (replication diffs before it writes).
 *
 * The parts are own enumerable properties (accessors until mapped), so spreads and JSON see the scope whole. Parts the
 * mapping leaves undefined are then deleted: a spread or JSON that met `enabled` first (always present) skips them.
 */
export function lazyScope(
  known: Pick<ScopeContent, 'subnet' | 'pools'>,
  map: () => ScopeContent,
): ScopeContent {
  const content = { subnet: known.subnet, pools: known.pools } as ScopeContent;
  mappers.set(content, map);
  // One set of accessors shared by every lazy scope (a large read makes thousands): each finds its scope as `this`.
  Object.defineProperties(content, ACCESSORS);
  return content;
}

/** How each lazy scope not mapped yet is mapped. */
const mappers = new WeakMap<object, () => ScopeContent>();

function materialize(content: object): void {
  const map = mappers.get(content)!;
  // A mapping that throws leaves the scope as it was: the next read tries again (and says why again).
  const full = map() as unknown as Record<string, unknown>;
  mappers.delete(content);
  const target = content as Record<string, unknown>;
  for (const key of LATER) {
    delete target[key];
    if (full[key] !== undefined) target[key] = full[key];
  }
}

const ACCESSORS: PropertyDescriptorMap = Object.fromEntries(
  LATER.map((key) => [
    key,
    {
      configurable: true,
      enumerable: true,
      get(this: Record<string, unknown>): unknown {
        materialize(this);
        return this[key];
      },
      set(this: Record<string, unknown>, value: unknown): void {
        materialize(this);
        this[key] = value;
      },
    },
  ]),
);
