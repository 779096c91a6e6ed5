import type { ScopeContent } from '../scope-content.js';
import { scopeWriteStatements } from './windows-scope-write.js';
import { scopeFromWindows } from './windows-scope.mapper.js';

const scope = (overrides: Partial<ScopeContent> = {}): ScopeContent => ({
  subnet: '10.1.2.0/24',
  name: 'office',
  enabled: true,
  leaseTime: 3600,
  pools: [{ start: '10.1.2.10', end: '10.1.2.200' }],
  exclusions: [{ start: '10.1.2.20', end: '10.1.2.30' }],
  reservations: [
    {
      address: '10.1.2.50',
      hardwareAddress: 'aa:bb:cc:dd:ee:01',
      name: 'printer',
      options: [{ code: 3, value: '10.1.2.1' }],
    },
  ],
  options: [
    { code: 3, value: '10.1.2.1' },
    { code: 6, value: ['10.0.0.53', '10.0.0.54'] },
  ],
  ...overrides,
});
const ALL = ['options', 'reservations', 'pools', 'exclusions'] as const;

describe('scopeWriteStatements', () => {
  it('creates a scope the destination lacks, with every part', () => {
    expect(scopeWriteStatements(undefined, { content: scope(), parts: ALL })).toEqual([
      "Add-DhcpServerv4Scope -StartRange '10.1.2.10' -EndRange '10.1.2.200' -SubnetMask '255.255.255.0' -Name 'office' " +
        "-Description '' -State 'Active' -LeaseDuration ([TimeSpan]::FromSeconds(3600))",
      "Add-DhcpServerv4ExclusionRange -ScopeId '10.1.2.0' -StartRange '10.1.2.20' -EndRange '10.1.2.30'",
      "Set-DhcpServerv4OptionValue -ScopeId '10.1.2.0' -OptionId 3 -Value @('10.1.2.1')",
      "Set-DhcpServerv4OptionValue -ScopeId '10.1.2.0' -OptionId 6 -Value @('10.0.0.53', '10.0.0.54')",
      "Add-DhcpServerv4Reservation -ScopeId '10.1.2.0' -IPAddress '10.1.2.50' -ClientId 'aa-bb-cc-dd-ee-01' -Name 'printer' -Description '' -Type 'Dhcp'",
      "Set-DhcpServerv4OptionValue -ReservedIP '10.1.2.50' -OptionId 3 -Value @('10.1.2.1')",
    ]);
  });

  it('changes only what differs, and only in the parts named', () => {
    const before = scope();
    const after = scope({
      name: "it's new",
      exclusions: [],
      options: [{ code: 3, value: '10.1.2.254' }],
      reservations: [
        { ...before.reservations[0], name: 'printer-2' },
        { address: '10.1.2.51', clientId: '01:aa:bb', options: [] },
      ],
    });
    expect(scopeWriteStatements(before, { content: after, parts: ['reservations'] })).toEqual([
      "Set-DhcpServerv4Reservation -IPAddress '10.1.2.50' -Name 'printer-2' -Description '' -Type 'Dhcp'",
      "Add-DhcpServerv4Reservation -ScopeId '10.1.2.0' -IPAddress '10.1.2.51' -ClientId '01-aa-bb' -Name '' -Description '' -Type 'Dhcp'",
    ]);
    expect(scopeWriteStatements(before, { content: after, parts: ['options', 'exclusions'] })).toEqual([
      "Set-DhcpServerv4Scope -ScopeId '10.1.2.0' -Name 'it''s new'",
      "Remove-DhcpServerv4ExclusionRange -ScopeId '10.1.2.0' -StartRange '10.1.2.20' -EndRange '10.1.2.30'",
      "Remove-DhcpServerv4OptionValue -ScopeId '10.1.2.0' -OptionId 6",
      "Set-DhcpServerv4OptionValue -ScopeId '10.1.2.0' -OptionId 3 -Value @('10.1.2.254')",
    ]);
    expect(scopeWriteStatements(before, { content: before, parts: ALL })).toEqual([]);
  });

  it('moves a range by widening it first, since Windows only widens or narrows one', () => {
    const before = scope();
    expect(
      scopeWriteStatements(before, {
        content: scope({ pools: [{ start: '10.1.2.150', end: '10.1.2.250' }] }),
        parts: ['pools'],
      }),
    ).toEqual([
      "Set-DhcpServerv4Scope -ScopeId '10.1.2.0' -StartRange '10.1.2.10' -EndRange '10.1.2.250'",
      "Set-DhcpServerv4Scope -ScopeId '10.1.2.0' -StartRange '10.1.2.150' -EndRange '10.1.2.250'",
    ]);
    expect(
      scopeWriteStatements(before, {
        content: scope({ pools: [{ start: '10.1.2.5', end: '10.1.2.250' }] }),
        parts: ['pools'],
      }),
    ).toEqual(["Set-DhcpServerv4Scope -ScopeId '10.1.2.0' -StartRange '10.1.2.5' -EndRange '10.1.2.250'"]);
  });

  it('re-creates a reservation whose client changed, and refuses a scope Windows cannot hold', () => {
    const before = scope();
    const moved = scope({
      reservations: [{ ...before.reservations[0], hardwareAddress: 'aa:bb:cc:dd:ee:02' }],
    });
    expect(scopeWriteStatements(before, { content: moved, parts: ['reservations'] })).toEqual([
      "Remove-DhcpServerv4Reservation -IPAddress '10.1.2.50'",
      "Add-DhcpServerv4Reservation -ScopeId '10.1.2.0' -IPAddress '10.1.2.50' -ClientId 'aa-bb-cc-dd-ee-02' -Name 'printer' -Description '' -Type 'Dhcp'",
      "Set-DhcpServerv4OptionValue -ReservedIP '10.1.2.50' -OptionId 3 -Value @('10.1.2.1')",
    ]);
    const twoPools = scope({ pools: [before.pools[0], { start: '10.1.2.210', end: '10.1.2.220' }] });
    expect(() => scopeWriteStatements(undefined, { content: twoPools, parts: ALL })).toThrow(
      /exactly one address range/,
    );
  });

  it('refuses, before any cmdlet, an exclusion or reservation it would add outside the range the scope keeps', () => {
    const before = scope();
    const far = scope({
      pools: [{ start: '10.1.2.10', end: '10.1.2.250' }],
      exclusions: [{ start: '10.1.2.220', end: '10.1.2.230' }],
      reservations: [{ address: '10.1.2.240', hardwareAddress: 'aa:bb:cc:dd:ee:05', options: [] }],
    });
    expect(() => scopeWriteStatements(before, { content: far, parts: ['exclusions'] })).toThrow(
      "exclusion 10.1.2.220-10.1.2.230 is outside the scope's address range 10.1.2.10-10.1.2.200, and Windows " +
        'keeps exclusions and reservations inside it; nothing of the scope was written (replicating its pools too ' +
        'would widen the range)',
    );
    expect(() => scopeWriteStatements(before, { content: far, parts: ['reservations'] })).toThrow(
      /^reservation 10\.1\.2\.240 is outside the scope's address range 10\.1\.2\.10-10\.1\.2\.200/,
    );
    // With the pools, the range is widened first: they fit.
    expect(scopeWriteStatements(before, { content: far, parts: ALL })).toContain(
      "Add-DhcpServerv4ExclusionRange -ScopeId '10.1.2.0' -StartRange '10.1.2.220' -EndRange '10.1.2.230'",
    );
  });

  it('refuses a reservation without an address (Kea has them; Windows reserves an address)', () => {
    const before = scope();
    const unplaced = scope({
      reservations: [{ hardwareAddress: 'aa:bb:cc:dd:ee:31', name: 'one', options: [] }],
    });
    expect(() => scopeWriteStatements(before, { content: unplaced, parts: ['reservations'] })).toThrow(
      /reservation aa:bb:cc:dd:ee:31 has no address/,
    );
  });

  it('writes back what it reads: a read scope written over itself changes nothing', () => {
    const read = scopeFromWindows(
      {
        scopeId: '10.1.2.0',
        mask: '255.255.255.0',
        name: 'office',
        description: '',
        state: 'InActive',
        start: '10.1.2.10',
        end: '10.1.2.200',
        lease: 691200,
        exclusions: [],
        options: [
          { id: 51, value: ['691200'] },
          { id: 3, name: 'Router', value: ['10.1.2.1'] },
        ],
        reservations: [
          { ip: '10.1.2.50', clientId: 'AA-BB-CC-DD-EE-01', name: 'p', type: 'Both', options: [] },
        ],
      },
      'rel-1',
    );
    expect(read).toMatchObject({
      enabled: false,
      leaseTime: 691200,
      options: [{ code: 3, name: 'Router', value: '10.1.2.1' }],
      reservations: [{ address: '10.1.2.50', hardwareAddress: 'aa:bb:cc:dd:ee:01', name: 'p' }],
      vendorExtras: { failoverRelationship: 'rel-1', reservationTypes: { '10.1.2.50': 'Both' } },
    });
    expect(scopeWriteStatements(read, { content: read, parts: ALL })).toEqual([]);
    expect(scopeWriteStatements(undefined, { content: read, parts: ['reservations'] })[1]).toContain(
      "-Type 'Both'",
    );
  });
});
