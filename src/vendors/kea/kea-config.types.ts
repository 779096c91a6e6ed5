import { scopeNetwork } from '../scope-content.js';
/** The parts of Kea's Dhcp4 configuration this service reads or changes; everything else passes through untouched. */
export interface KeaOptionData {
  name?: string;
  code?: number;
  data?: string;
  space?: string;
  'csv-format'?: boolean;
  'always-send'?: boolean;
  [key: string]: unknown;
}

export interface KeaPool {
  pool: string;
  'option-data'?: KeaOptionData[];
  [key: string]: unknown;
}

export interface KeaReservation {
  'ip-address'?: string;
  'hw-address'?: string;
  'client-id'?: string;
  hostname?: string;
  'option-data'?: KeaOptionData[];
  'user-context'?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface KeaSubnet4 {
  id?: number;
  subnet: string;
  pools?: KeaPool[];
  reservations?: KeaReservation[];
  'option-data'?: KeaOptionData[];
  'valid-lifetime'?: number;
  'user-context'?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface KeaHook {
  library: string;
  parameters?: Record<string, unknown>;
}

export interface KeaDhcp4 {
  subnet4?: KeaSubnet4[];
  'shared-networks'?: Array<{ name: string; subnet4?: KeaSubnet4[]; [key: string]: unknown }>;
  'hooks-libraries'?: KeaHook[];
  [key: string]: unknown;
}

/** What `config-get` answers: the whole configuration, Dhcp4 at its root. */
export interface KeaConfig {
  Dhcp4: KeaDhcp4;
  [key: string]: unknown;
}

/** Every subnet4 of the server, top level and inside shared networks, with where it lives. */
export function allSubnets(dhcp4: KeaDhcp4): Array<{ subnet: KeaSubnet4; sharedNetwork?: string }> {
  return [
    ...(dhcp4.subnet4 ?? []).map((subnet) => ({ subnet })),
    ...(dhcp4['shared-networks'] ?? []).flatMap((network) =>
      (network.subnet4 ?? []).map((subnet) => ({ subnet, sharedNetwork: network.name })),
    ),
  ];
}

/** The network address of a subnet: `10.1.2.0/24` -> `10.1.2.0`. */
export function networkOf(subnet: KeaSubnet4): string {
  return scopeNetwork(subnet.subnet);
}
