// Content shared by the benchmarks: one deterministic description, rendered as the scope model (driver input)
// and as Kea JSON (floor input).
import type { DhcpOption, ScopeContent } from '../../src/vendors/scope-content.js';
import type { KeaConfig, KeaSubnet4 } from '../../src/vendors/kea/kea-config.types.js';

/** Reservations per generated subnet (the issues' benchmark shape: subnets x 50 reservations x 5 options). */
export const RESERVATIONS = 50;

export interface SubnetSpec {
  index: number;
  /** `10.a.b` */
  prefix: string;
  /** Content generation: 0 is what `replace` starts from, 1 is what both writers write. */
  version: number;
}

export function specs(version: number, count: number): SubnetSpec[] {
  return Array.from({ length: count }, (_, index) => ({
    index,
    prefix: `10.${Math.floor(index / 256)}.${index % 256}`,
    version,
  }));
}

const hex = (value: number): string => value.toString(16).padStart(2, '0');

function options(spec: SubnetSpec): DhcpOption[] {
  const { prefix: p, index: i, version: v } = spec;
  return [
    { code: 3, name: 'routers', value: `${p}.1` },
    { code: 6, name: 'domain-name-servers', value: `${p}.53, ${p}.${54 + v}` },
    { code: 15, name: 'domain-name', value: `s${i}.v${v}.bench.example` },
    { code: 42, name: 'ntp-servers', value: `${p}.${123 + v}` },
    { code: 119, name: 'domain-search', value: `s${i}.v${v}.bench.example, bench.example` },
  ];
}

function reservations(spec: SubnetSpec): Array<{ address: string; mac: string; name: string }> {
  const { prefix: p, index: i, version: v } = spec;
  return Array.from({ length: RESERVATIONS }, (_, j) => ({
    address: `${p}.${10 + j}`,
    mac: `02:${hex(v)}:${hex(Math.floor(i / 256))}:${hex(i % 256)}:00:${hex(j)}`,
    name: `h${v}-${i}-${j}`,
  }));
}

const pool = (spec: SubnetSpec): { start: string; end: string } => ({
  start: `${spec.prefix}.100`,
  end: `${spec.prefix}.${199 + spec.version * 50}`,
});

export function toScope(spec: SubnetSpec): ScopeContent {
  return {
    subnet: `${spec.prefix}.0/24`,
    name: `bench-${spec.index}`,
    enabled: true,
    pools: [pool(spec)],
    exclusions: [],
    reservations: reservations(spec).map((r) => ({
      address: r.address,
      hardwareAddress: r.mac,
      name: r.name,
      options: [],
    })),
    options: options(spec),
  };
}

/** What a plain client would send for the same scope (the form the driver produces, so Kea does the same work). */
export function toKea(spec: SubnetSpec): KeaSubnet4 {
  const range = pool(spec);
  return {
    subnet: `${spec.prefix}.0/24`,
    'option-data': options(spec).map((o) => ({
      name: o.name,
      code: o.code,
      space: 'dhcp4',
      'csv-format': true,
      data: String(o.value),
    })),
    'user-context': { name: `bench-${spec.index}` },
    reservations: reservations(spec).map((r) => ({
      'ip-address': r.address,
      'hw-address': r.mac,
      hostname: r.name,
      'option-data': [],
    })),
    pools: [{ pool: `${range.start} - ${range.end}` }],
  };
}

/** The floor's change: subnets with the same prefix are replaced in place (keeping id and other keys), others appended. */
export function withSubnets(config: KeaConfig, subnets: KeaSubnet4[]): KeaConfig {
  const pending = new Map(subnets.map((subnet) => [subnet.subnet, subnet]));
  const existing = config.Dhcp4.subnet4 ?? [];
  const merged = existing.map((subnet) => {
    const update = pending.get(subnet.subnet);
    if (!update) return subnet;
    pending.delete(subnet.subnet);
    return { ...subnet, ...update };
  });
  let id = Math.max(0, ...existing.map((subnet) => subnet.id ?? 0));
  for (const subnet of pending.values()) merged.push({ id: ++id, ...subnet });
  return { ...config, Dhcp4: { ...config.Dhcp4, subnet4: merged } };
}
