// The dhcpd.conf of the ISC benchmarks, deterministic and accepted by `dhcpd -t`: every subnet has 5 options and a
// pool with one range, and declares its hosts (hardware ethernet, fixed-address in the subnet below the pool,
// host-name, and `hostOptions` more options). The issues' shape is subnets x 50 hosts x 5 options: 5 options per
// subnet, as in kea-write (bench-content.ts), with hosts carrying `hostOptions` = 0; `hostOptions` = 5 gives every
// host 5 options too. dhcpd treats hosts declared in a subnet as global (it says so on stderr, not an error).

/** Host declarations per generated subnet. */
export const HOSTS = 50;

export interface ConfVariant {
  /**
   * Content generation (replicate-isc): every option value, host hardware address and name, and the pool's end
   * differ between generations at the same addresses. Absent: the content isc-parse has always measured.
   */
  version?: number;
  /** A `failover peer` declaration written after the global statements; every pool names it. */
  peer?: { name: string; declaration: string };
}

const hex = (value: number): string => value.toString(16).padStart(2, '0');

export function dhcpdConfContent(
  subnets: number,
  hostOptions = 0,
  hosts = HOSTS,
  variant: ConfVariant = {},
): string {
  const v = variant.version;
  const lines: string[] = [
    '# generated for the isc benchmarks',
    'authoritative;',
    'default-lease-time 600;',
    'max-lease-time 7200;',
    '',
  ];
  if (variant.peer) lines.push(variant.peer.declaration, '');
  for (let i = 0; i < subnets; i += 1) {
    const p = `10.${Math.floor(i / 256)}.${i % 256}`;
    const domain = v === undefined ? `s${i}.bench.example` : `s${i}.v${v}.bench.example`;
    const options = [
      `option routers ${p}.1;`,
      `option domain-name-servers ${p}.53, ${p}.${54 + (v ?? 0)};`,
      `option domain-name "${domain}";`,
      `option ntp-servers ${p}.${123 + (v ?? 0)};`,
      `option domain-search "${domain}", "bench.example";`,
    ];
    lines.push(
      `subnet ${p}.0 netmask 255.255.255.0 {`,
      ...options.map((option) => `  ${option}`),
      '  pool {',
      ...(variant.peer ? [`    failover peer "${variant.peer.name}";`] : []),
      `    range ${p}.100 ${p}.${199 + (v ?? 0) * 50};`,
      '  }',
    );
    for (let j = 0; j < hosts; j += 1) {
      const name = v === undefined ? `h-${i}-${j}` : `h${v}-${i}-${j}`;
      lines.push(
        `  host ${name} {`,
        `    hardware ethernet 02:${hex(v ?? 0)}:${hex(Math.floor(i / 256))}:${hex(i % 256)}:00:${hex(j)};`,
        `    fixed-address ${p}.${10 + j};`,
        `    option host-name "${name}";`,
        ...options.slice(0, hostOptions).map((option) => `    ${option}`),
        '  }',
      );
    }
    lines.push('}', '');
  }
  return lines.join('\n');
}
