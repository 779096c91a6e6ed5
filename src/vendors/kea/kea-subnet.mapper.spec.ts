import type { KeaSubnet4 } from './kea-config.types.js';
import {
  applyScopeToSubnet,
  carvePools,
  DISABLED_CLASS,
  poolRange,
  setSubnetEnabled,
  subnetToScope,
} from './kea-subnet.mapper.js';

const SUBNET: KeaSubnet4 = {
  id: 7,
  subnet: '10.1.2.0/24',
  'valid-lifetime': 3600,
  'renew-timer': 900,
  relay: { 'ip-addresses': ['10.1.2.254'] },
  'user-context': { name: 'Office', description: 'Floor 2', owner: 'netops' },
  pools: [{ pool: '10.1.2.10 - 10.1.2.99' }, { pool: '10.1.2.128/26', 'client-class': 'voip' }],
  'option-data': [
    { name: 'routers', code: 3, space: 'dhcp4', 'csv-format': true, data: '10.1.2.1' },
    { name: 'domain-name-servers', data: '10.0.0.53, 10.0.0.54' },
    { code: 43, space: 'dhcp4', 'csv-format': false, data: '0104C0A80001' },
    { name: 'vendor-thing', code: 1, space: 'acme', data: 'x' },
  ],
  reservations: [
    {
      'ip-address': '10.1.2.5',
      'hw-address': 'AA:BB:CC:DD:EE:FF',
      hostname: 'printer',
      'option-data': [{ name: 'boot-file-name', data: 'pxe.0' }],
      'user-context': { description: 'Lobby printer' },
    },
  ],
};

describe('Kea subnet mapping', () => {
  it('reads a subnet4 entry into the model and reports what the model cannot hold', () => {
    const scope = subnetToScope(SUBNET, 'campus');
    expect(scope).toEqual({
      subnet: '10.1.2.0/24',
      vendor: 'kea',
      name: 'Office',
      description: 'Floor 2',
      enabled: true,
      leaseTime: 3600,
      pools: [
        { start: '10.1.2.10', end: '10.1.2.99' },
        { start: '10.1.2.128', end: '10.1.2.191' },
      ],
      exclusions: [],
      reservations: [
        {
          address: '10.1.2.5',
          hardwareAddress: 'aa:bb:cc:dd:ee:ff',
          name: 'printer',
          description: 'Lobby printer',
          options: [{ code: 67, name: 'boot-file-name', value: 'pxe.0' }],
        },
      ],
      options: [
        { code: 3, name: 'routers', value: '10.1.2.1' },
        { code: 6, name: 'domain-name-servers', value: '10.0.0.53, 10.0.0.54' },
        { code: 43, name: 'vendor-encapsulated-options', value: '0104C0A80001', format: 'hex' },
      ],
      vendorExtras: {
        id: 7,
        'renew-timer': 900,
        relay: { 'ip-addresses': ['10.1.2.254'] },
        'shared-network': 'campus',
        'option-data': [{ name: 'vendor-thing', code: 1, space: 'acme', data: 'x' }],
        pools: [{ pool: '10.1.2.128/26', 'client-class': 'voip' }],
        'user-context': { owner: 'netops' },
      },
    });
  });

  it('writes the chosen parts back and keeps everything else of the entry', () => {
    const scope = subnetToScope(SUBNET);
    const changed = { ...scope, leaseTime: 7200, options: [{ code: 3, name: 'routers', value: '10.1.2.2' }] };
    const written = applyScopeToSubnet(SUBNET, changed, ['options']);
    expect(written).toMatchObject({
      id: 7,
      'renew-timer': 900,
      'valid-lifetime': 7200,
      pools: SUBNET.pools,
      reservations: SUBNET.reservations,
    });
    expect(written['option-data']).toEqual([
      { name: 'routers', code: 3, space: 'dhcp4', 'csv-format': true, data: '10.1.2.2' },
      { name: 'vendor-thing', code: 1, space: 'acme', data: 'x' },
    ]);
    expect(written['user-context']).toEqual({ owner: 'netops', name: 'Office', description: 'Floor 2' });
    // Reading back what was written gives the model that was written.
    expect(subnetToScope(written).options).toEqual(changed.options);
  });

  it('leaves the entry it was given untouched, copies what it keeps, and keeps the key order', () => {
    const original = structuredClone(SUBNET);
    const scope = subnetToScope(SUBNET);
    const excluded = { ...scope, exclusions: [{ start: '10.1.2.50', end: '10.1.2.59' }] };
    const written = applyScopeToSubnet(SUBNET, excluded, ['options', 'reservations', 'exclusions']);
    expect(SUBNET).toEqual(original);
    expect(Object.keys(written)).toEqual(Object.keys(SUBNET));
    expect(written.relay).toEqual(SUBNET.relay);
    expect(written.relay).not.toBe(SUBNET.relay);
    expect(written.reservations).toMatchObject([
      { 'ip-address': '10.1.2.5', hostname: 'printer', 'user-context': { description: 'Lobby printer' } },
    ]);
    expect(written.reservations![0]).not.toBe(SUBNET.reservations![0]);
    // Exclusions without pools are carved out of the entry's own pools; a pool whose range stays keeps its class.
    expect(written.pools).toEqual([
      { pool: '10.1.2.10 - 10.1.2.49' },
      { pool: '10.1.2.60 - 10.1.2.99' },
      { pool: '10.1.2.128 - 10.1.2.191', 'client-class': 'voip' },
    ]);
  });

  it("pool settings follow the range: a Kea source's where it reports them, else the destination's own", () => {
    const destination: KeaSubnet4 = {
      subnet: '10.1.2.0/24',
      pools: [
        { pool: '10.1.2.10 - 10.1.2.99', 'client-class': 'staff', 'option-data': [] },
        { pool: '10.1.2.128/26', 'client-class': 'voip' },
      ],
    };
    const source = subnetToScope({
      subnet: '10.1.2.0/24',
      pools: [
        { pool: '10.1.2.10-10.1.2.99' },
        {
          pool: '10.1.2.128 - 10.1.2.191',
          'client-class': 'phones',
          'option-data': [{ code: 3, data: '10.1.2.2' }],
        },
        { pool: '10.1.2.200 - 10.1.2.210' },
      ],
    });
    expect(applyScopeToSubnet(destination, source, ['pools']).pools).toEqual([
      { pool: '10.1.2.10 - 10.1.2.99', 'client-class': 'staff' },
      {
        pool: '10.1.2.128 - 10.1.2.191',
        'client-class': 'phones',
        'option-data': [{ code: 3, data: '10.1.2.2' }],
      },
      { pool: '10.1.2.200 - 10.1.2.210' },
    ]);
    // A range that moved is a new pool: nothing to keep.
    const moved = { ...source, pools: [{ start: '10.1.2.10', end: '10.1.2.50' }], vendorExtras: undefined };
    expect(applyScopeToSubnet(destination, moved, ['pools']).pools).toEqual([
      { pool: '10.1.2.10 - 10.1.2.50' },
    ]);
  });

  it("a reservation's and an option's own settings travel from a Kea source; a copy from elsewhere keeps the destination's", () => {
    const destination: KeaSubnet4 = {
      subnet: '10.1.2.0/24',
      'option-data': [{ name: 'routers', code: 3, space: 'dhcp4', data: '10.1.2.1', 'always-send': true }],
      reservations: [
        {
          'ip-address': '10.1.2.5',
          'hw-address': 'aa:bb:cc:dd:ee:ff',
          'client-classes': ['voip'],
          'next-server': '10.1.2.9',
          'boot-file-name': '',
          'server-hostname': '',
          'user-context': { description: 'Phone', owner: 'telecom' },
          'option-data': [],
        },
        {
          'hw-address': '0a:00:00:00:00:31',
          hostname: 'one',
          'client-classes': [],
          'next-server': '0.0.0.0',
        },
      ],
    };
    const read = subnetToScope(destination);
    expect(read.options).toEqual([
      { code: 3, name: 'routers', value: '10.1.2.1', vendorExtras: { 'always-send': true } },
    ]);
    expect(read.reservations).toEqual([
      {
        address: '10.1.2.5',
        hardwareAddress: 'aa:bb:cc:dd:ee:ff',
        description: 'Phone',
        options: [],
        vendorExtras: {
          'client-classes': ['voip'],
          'next-server': '10.1.2.9',
          'user-context': { owner: 'telecom' },
        },
      },
      { hardwareAddress: '0a:00:00:00:00:31', name: 'one', options: [] },
    ]);
    // Kea to Kea: what the source says, its absence included.
    const plain = subnetToScope({
      subnet: '10.1.2.0/24',
      'option-data': [{ name: 'routers', data: '10.1.2.1' }],
      reservations: [{ 'ip-address': '10.1.2.5', 'hw-address': 'aa:bb:cc:dd:ee:ff' }],
    });
    const fromKea = applyScopeToSubnet(destination, plain, ['options', 'reservations']);
    expect(fromKea['option-data']).toEqual([
      { name: 'routers', code: 3, space: 'dhcp4', 'csv-format': true, data: '10.1.2.1' },
    ]);
    expect(fromKea.reservations).toEqual([
      { 'ip-address': '10.1.2.5', 'hw-address': 'aa:bb:cc:dd:ee:ff', 'option-data': [] },
    ]);
    expect(applyScopeToSubnet(undefined, read, ['options', 'reservations']).reservations).toEqual([
      {
        'ip-address': '10.1.2.5',
        'hw-address': 'aa:bb:cc:dd:ee:ff',
        'client-classes': ['voip'],
        'next-server': '10.1.2.9',
        'user-context': { owner: 'telecom', description: 'Phone' },
        'option-data': [],
      },
      { 'hw-address': '0a:00:00:00:00:31', hostname: 'one', 'option-data': [] },
    ]);
    // From another vendor (no mark): the destination's own settings stay, matched by address and option code.
    const elsewhere = { ...plain, vendor: undefined };
    const kept = applyScopeToSubnet(destination, elsewhere, ['options', 'reservations']);
    expect(kept['option-data']).toEqual([
      { name: 'routers', code: 3, space: 'dhcp4', 'csv-format': true, data: '10.1.2.1', 'always-send': true },
    ]);
    expect(kept.reservations).toEqual([
      {
        'ip-address': '10.1.2.5',
        'hw-address': 'aa:bb:cc:dd:ee:ff',
        'client-classes': ['voip'],
        'next-server': '10.1.2.9',
        'user-context': { owner: 'telecom' },
        'option-data': [],
      },
    ]);
  });

  it('round-trips a scope through an empty subnet entry', () => {
    const scope = subnetToScope(SUBNET);
    const written = applyScopeToSubnet(undefined, scope, ['options', 'reservations', 'pools', 'exclusions']);
    const reread = subnetToScope(written);
    expect({ ...reread, vendorExtras: undefined }).toEqual({ ...scope, vendorExtras: undefined });
  });

  it('parses both pool notations and carves exclusions out of pools', () => {
    expect(poolRange('10.0.0.0/30')).toEqual({ start: '10.0.0.0', end: '10.0.0.3' });
    expect(poolRange('10.0.0.5-10.0.0.9')).toEqual({ start: '10.0.0.5', end: '10.0.0.9' });
    expect(
      carvePools(
        [{ start: '10.0.0.10', end: '10.0.0.100' }],
        [
          { start: '10.0.0.20', end: '10.0.0.29' },
          { start: '10.0.0.90', end: '10.0.0.120' },
        ],
      ),
    ).toEqual([
      { start: '10.0.0.10', end: '10.0.0.19' },
      { start: '10.0.0.30', end: '10.0.0.89' },
    ]);
  });

  it("a disabled subnet has every pool closed by a class; enabling puts back each pool's own class", () => {
    const subnet = structuredClone(SUBNET);
    setSubnetEnabled(subnet, false);
    expect(subnet.pools).toEqual([
      { pool: '10.1.2.10 - 10.1.2.99', 'client-class': DISABLED_CLASS },
      {
        pool: '10.1.2.128/26',
        'client-class': DISABLED_CLASS,
        'user-context': { 'dfm-client-class': 'voip' },
      },
    ]);
    const scope = subnetToScope(subnet);
    expect(scope.enabled).toBe(false);
    // The mark is the state, not a pool setting: the pool extras are the pools' own.
    expect(scope.vendorExtras?.['pools']).toEqual(subnetToScope(SUBNET).vendorExtras?.['pools']);
    setSubnetEnabled(subnet, true);
    expect(subnet.pools).toEqual(SUBNET.pools);
    expect(subnetToScope(subnet).enabled).toBe(true);
  });

  it("a write carries the state with the options part, and keeps the destination's otherwise", () => {
    const closed = structuredClone(SUBNET);
    setSubnetEnabled(closed, false);
    const enabledSource = subnetToScope(SUBNET);
    // Options replaced: the source's state (enabled) wins.
    expect(subnetToScope(applyScopeToSubnet(closed, enabledSource, ['options'])).enabled).toBe(true);
    // Pools replaced only: the new pools stay closed, as the destination's were.
    const repooled = applyScopeToSubnet(
      closed,
      { ...enabledSource, pools: [{ start: '10.1.2.10', end: '10.1.2.50' }] },
      ['pools'],
    );
    expect(repooled.pools).toEqual([{ pool: '10.1.2.10 - 10.1.2.50', 'client-class': DISABLED_CLASS }]);
    // A disabled source closes an open destination.
    const disabledSource = { ...enabledSource, enabled: false };
    expect(subnetToScope(applyScopeToSubnet(SUBNET, disabledSource, ['options', 'pools'])).enabled).toBe(
      false,
    );
  });
});
