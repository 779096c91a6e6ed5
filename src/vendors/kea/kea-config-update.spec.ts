import { createHash } from 'node:crypto';
import { configDigest, type ReloadMark, reloadedBetween } from './kea-config-update.js';

/** The digest as first specified: sha256 of JSON with keys sorted by code unit, built by hand. */
function referenceDigest(config: unknown): string {
  const canonical = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
    if (value && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
      return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
    }
    return JSON.stringify(value);
  };
  return createHash('sha256').update(canonical(config)).digest('hex').slice(0, 16);
}

class Thing {
  b = 1;
  a = 2;
}

describe('configDigest', () => {
  const cases: Array<[string, unknown]> = [
    [
      'keys already sorted, as Kea prints them',
      { Dhcp4: { 'option-data': [], subnet4: [{ id: 1, subnet: '10.0.0.0/24' }] } },
    ],
    ['unsorted keys at every depth', { z: { y: [{ b: 1, a: [3, { d: null, c: true }] }] }, a: 'x"\u2028' }],
    [
      'integer-like keys, which objects enumerate first',
      { b: 1, '10': 2, '9': 3, a: { '2': 0, '1': 1, x: 2 } },
    ],
    ['code unit order (upper case, accents, dashes)', { é: 1, e: 2, E: 3, 'e-f': 4, e_f: 5, '': 6 }],
    ['undefined, functions and symbols', { a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, 1] }],
    ['sparse arrays', { list: [1, , 3] }], // eslint-disable-line no-sparse-arrays
    ['non-finite and negative zero numbers', { a: NaN, b: Infinity, c: -0 }],
    [
      'objects with toJSON and class instances',
      { when: new Date(0), thing: new Thing(), map: new Map([[1, 2]]) },
    ],
    ['objects without a prototype', Object.assign(Object.create(null) as object, { b: 1, a: 2 })],
    ['a key named __proto__', JSON.parse('{"b":1,"__proto__":{"y":1,"x":2}}')],
    ['primitives', 'text'],
    ['empty containers', { a: {}, b: [] }],
  ];

  it.each(cases)('equals the hand-built canonical JSON digest: %s', (_label, value) => {
    expect(configDigest(value)).toBe(referenceDigest(value));
  });

  it('does not depend on key order and does see every value', () => {
    expect(configDigest({ a: 1, b: [1, 2] })).toBe(configDigest({ b: [1, 2], a: 1 }));
    expect(configDigest({ a: 1, b: [1, 2] })).not.toBe(configDigest({ a: 1, b: [2, 1] }));
    expect(configDigest({ a: { c: 1 } })).not.toBe(configDigest({ a: { c: '1' } }));
  });
});

describe('reloadedBetween (was the configuration replaced between two status-get marks?)', () => {
  const mark = (uptime: number, reload: number, pid = 7): ReloadMark => ({
    pid,
    reload,
    reloadedAt: uptime - reload,
  });

  it("ignores the one-second wobble of Kea's separately truncated uptime and reload", () => {
    // Started at 0.7 s, reloaded at 5.2 s: at 10.5 s Kea says uptime 9, reload 5; at 10.8 s uptime 10, reload 5.
    expect(reloadedBetween(mark(9, 5), mark(10, 5))).toBe(false);
    expect(reloadedBetween(mark(9, 5), mark(30, 26))).toBe(false);
  });

  it('sees a reload after the first mark, and a restart', () => {
    // Reloaded at 5.2 s, marked at 10.5 s; reloaded again at 11.9 s, marked at 12.0 s: reload 0.
    expect(reloadedBetween(mark(9, 5), mark(11, 0))).toBe(true);
    expect(reloadedBetween(mark(9, 5), mark(9, 5, 8))).toBe(true);
  });

  it('cannot judge a first mark taken within 3 s of a reload', () => {
    expect(reloadedBetween(mark(9, 2), mark(10, 3))).toBeUndefined();
  });
});
