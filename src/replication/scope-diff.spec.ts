import { SCOPE_PARTS, type ScopeContent, type ScopePart } from '../vendors/scope-content.js';
import { diffScope, unchangedDiff } from './scope-diff.js';

const SOURCE: ScopeContent = {
  subnet: '10.1.2.0/24',
  name: 'Office',
  enabled: true,
  leaseTime: 7200,
  pools: [{ start: '10.1.2.10', end: '10.1.2.99', failoverPeer: 'src-peer' }],
  exclusions: [{ start: '10.1.2.20', end: '10.1.2.29' }],
  reservations: [
    { address: '10.1.2.5', hardwareAddress: 'aa:bb:cc:dd:ee:01', name: 'printer', options: [] },
    { address: '10.1.2.6', hardwareAddress: 'aa:bb:cc:dd:ee:02', name: 'phone', options: [] },
  ],
  options: [
    { code: 3, name: 'routers', value: '10.1.2.1' },
    { code: 6, name: 'domain-name-servers', value: '10.0.0.53' },
  ],
};

const DESTINATION: ScopeContent = {
  ...SOURCE,
  name: 'Office (old)',
  leaseTime: 3600,
  pools: [{ start: '10.1.2.10', end: '10.1.2.99', failoverPeer: 'dst-peer' }],
  exclusions: [],
  reservations: [
    { address: '10.1.2.5', hardwareAddress: 'aa:bb:cc:dd:ee:99', name: 'printer', options: [] },
    { address: '10.1.2.7', hardwareAddress: 'aa:bb:cc:dd:ee:03', name: 'gone', options: [] },
  ],
  options: [{ code: 3, name: 'routers', value: '10.1.2.254' }],
};

describe('diffScope', () => {
  it('reports added, removed and changed items with before/after, part by part', () => {
    const diff = diffScope(DESTINATION, SOURCE, ['options', 'reservations', 'pools', 'exclusions']);
    expect(diff).toEqual({
      created: false,
      unchanged: false,
      settings: [
        { setting: 'name', before: 'Office (old)', after: 'Office' },
        { setting: 'leaseTime', before: 3600, after: 7200 },
      ],
      options: {
        added: [{ code: 6, name: 'domain-name-servers', value: '10.0.0.53' }],
        removed: [],
        changed: [{ key: '3', before: DESTINATION.options[0], after: SOURCE.options[0] }],
      },
      reservations: {
        added: [SOURCE.reservations[1]],
        removed: [DESTINATION.reservations[1]],
        changed: [{ key: '10.1.2.5', before: DESTINATION.reservations[0], after: SOURCE.reservations[0] }],
      },
      // The pools differ only in the failover peer, which stays the destination's own.
      pools: { added: [], removed: [], changed: [] },
      exclusions: { added: [{ start: '10.1.2.20', end: '10.1.2.29' }], removed: [], changed: [] },
    });
  });

  it('leaves out the parts not being replaced', () => {
    const diff = diffScope(DESTINATION, SOURCE, ['exclusions']);
    expect(Object.keys(diff).sort()).toEqual(['created', 'exclusions', 'unchanged']);
    expect(diff.unchanged).toBe(false);
  });

  it('says unchanged when the destination already has the content', () => {
    expect(
      diffScope(SOURCE, structuredClone(SOURCE), ['options', 'reservations', 'pools', 'exclusions'])
        .unchanged,
    ).toBe(true);
  });

  it('compares values whatever their key order, a key set to undefined counting as absent', () => {
    const reordered: ScopeContent = {
      ...SOURCE,
      description: undefined,
      reservations: SOURCE.reservations.map(({ options, name, hardwareAddress, address }) => ({
        options,
        name,
        clientId: undefined,
        hardwareAddress,
        address,
      })),
    };
    expect(diffScope(reordered, SOURCE, ['options', 'reservations']).unchanged).toBe(true);
    const named = { ...SOURCE, reservations: [{ ...SOURCE.reservations[0], clientId: '01:02' }] };
    const diff = diffScope(SOURCE, named, ['reservations']);
    expect(diff.reservations?.changed).toEqual([
      { key: '10.1.2.5', before: SOURCE.reservations[0], after: named.reservations[0] },
    ]);
  });

  it('a scope the destination lacks is created: everything is added', () => {
    const diff = diffScope(undefined, SOURCE, ['options', 'reservations']);
    expect(diff.created).toBe(true);
    expect(diff.unchanged).toBe(false);
    expect(diff.reservations?.added).toHaveLength(2);
    expect(diff.settings?.map((change) => change.setting)).toEqual(['name', 'leaseTime', 'enabled']);
  });
});

describe('diffScope and item vendorExtras', () => {
  const kea = (classes: string[], alwaysSend: boolean): ScopeContent => ({
    ...SOURCE,
    vendor: 'kea',
    reservations: [
      {
        address: '10.1.2.5',
        hardwareAddress: 'aa:bb:cc:dd:ee:01',
        options: [],
        ...(classes.length > 0 ? { vendorExtras: { 'client-classes': classes } } : {}),
      },
    ],
    options: [
      { code: 3, value: '10.1.2.1', ...(alwaysSend ? { vendorExtras: { 'always-send': true } } : {}) },
    ],
  });

  it('count between copies of the same vendor, an absent one being none', () => {
    const diff = diffScope(kea([], false), kea(['voip'], true), ['options', 'reservations']);
    expect(diff.unchanged).toBe(false);
    expect(diff.reservations?.changed).toEqual([
      expect.objectContaining({
        key: '10.1.2.5',
        after: expect.objectContaining({ vendorExtras: { 'client-classes': ['voip'] } }),
      }),
    ]);
    expect(diff.options?.changed).toHaveLength(1);
    expect(diffScope(kea(['voip'], true), kea(['voip'], true), ['options', 'reservations']).unchanged).toBe(
      true,
    );
  });

  it('do not count across vendors (nor for content without a vendor), either way', () => {
    const other = { ...kea([], false), vendor: undefined };
    expect(diffScope(kea(['voip'], true), other, ['options', 'reservations']).unchanged).toBe(true);
    expect(diffScope(other, kea(['voip'], true), ['options', 'reservations']).unchanged).toBe(true);
    expect(
      diffScope({ ...other, vendor: 'isc' }, kea(['voip'], true), ['options', 'reservations']).unchanged,
    ).toBe(true);
  });

  it('keys reservations without an address by hardware address, then client id', () => {
    const before: ScopeContent = { ...SOURCE, reservations: [] };
    const after: ScopeContent = {
      ...SOURCE,
      reservations: [
        { hardwareAddress: 'aa:bb:cc:dd:ee:31', name: 'one', options: [] },
        { hardwareAddress: 'aa:bb:cc:dd:ee:32', name: 'two', options: [] },
        { clientId: '01:02', options: [] },
      ],
    };
    expect(diffScope(before, after, ['reservations']).reservations?.added).toHaveLength(3);
    const renamed = {
      ...after,
      reservations: [{ ...after.reservations[0], name: 'uno' }, ...after.reservations.slice(1)],
    };
    expect(
      diffScope(after, renamed, ['reservations']).reservations?.changed.map((change) => change.key),
    ).toEqual(['aa:bb:cc:dd:ee:31']);
  });
});

describe('unchangedDiff', () => {
  it('is what diffScope says of a scope replaced by an equal one, for every choice of parts', () => {
    const choices: ScopePart[][] = [[], ...SCOPE_PARTS.map((part) => [part]), [...SCOPE_PARTS]];
    for (const parts of choices) {
      expect(unchangedDiff(parts)).toStrictEqual(diffScope(SOURCE, { ...SOURCE }, parts));
    }
  });
});
