import type { Vendor } from './vendor.js';

/**
 * The vendor-neutral model of a DHCP scope. Replication, diffs and dry runs work on this; each driver maps its
 * vendor's wire format to and from it, and keeps what the model cannot express in `vendorExtras`.
 */
export interface AddressRange {
  /** First address, dotted IPv4. */
  start: string;
  /** Last address, dotted IPv4. */
  end: string;
}

export interface AddressPool extends AddressRange {
  /** ISC: the failover peer declaration the pool names, if any. */
  failoverPeer?: string;
}

export type OptionValue = string | number | boolean | string[] | number[];

export interface DhcpOption {
  /** Option code, 1-254. */
  code: number;
  /** Vendor-neutral name where one is known, e.g. `routers`. */
  name?: string;
  value: OptionValue;
  /** `hex` when the value is raw bytes in hex rather than the option's text form. */
  format?: 'hex';
  /**
   * The vendor's settings of this option that the model does not hold (Kea: `always-send`, ...), reported and carried
   * between servers of the same vendor (see ScopeContent.vendor).
   */
  vendorExtras?: Record<string, unknown>;
}

export interface Reservation {
  /** The reserved address; absent for a reservation of other settings only (Kea: hostname, classes, options). */
  address?: string;
  /** Hardware (MAC) address, `aa:bb:cc:dd:ee:ff`. */
  hardwareAddress?: string;
  /** DHCP client identifier, hex octets separated by `:`. */
  clientId?: string;
  name?: string;
  description?: string;
  options: DhcpOption[];
  /**
   * The vendor's settings of this reservation that the model does not hold (Kea: `client-classes`, `next-server`,
   * `boot-file-name`, other `user-context`, ...), reported and carried between servers of the same vendor.
   */
  vendorExtras?: Record<string, unknown>;
}

/**
 * What names a reservation within its scope: its address, else its hardware address, else its client id, else its
 * name (Kea takes reservations without an address).
 */
export function reservationKey(reservation: Reservation): string {
  return reservation.address ?? reservation.hardwareAddress ?? reservation.clientId ?? reservation.name ?? '';
}

export interface ScopeContent {
  /** The scope's subnet in CIDR notation, e.g. `10.1.2.0/24`. */
  subnet: string;
  name?: string;
  description?: string;
  enabled: boolean;
  /** Lease time in seconds. */
  leaseTime?: number;
  pools: AddressPool[];
  exclusions: AddressRange[];
  reservations: Reservation[];
  options: DhcpOption[];
  /** What the vendor holds that the model does not express; reported, never dropped. */
  vendorExtras?: Record<string, unknown>;
  /**
   * The vendor of the server the content was read from, given by drivers whose reservations and options carry
   * `vendorExtras` of their own (Kea). Those item extras are compared and written only between copies of the same
   * vendor: a copy from another vendor (or one without this mark) leaves the destination's own in place.
   */
  vendor?: Vendor;
}

/** The parts of a scope that replication can replace, each covered by one scope-level permission bit. */
export const SCOPE_PARTS = ['options', 'reservations', 'pools', 'exclusions'] as const;
export type ScopePart = (typeof SCOPE_PARTS)[number];

/** A scope's network address (`10.1.2.0`) from its subnet (`10.1.2.0/24`): how paths, grants and writes name it. */
export function scopeNetwork(subnet: string): string {
  return subnet.split('/')[0] ?? subnet;
}

export interface ScopeSummary {
  subnet: string;
  name?: string;
  enabled: boolean;
  /** The failover relationship (or ISC peer) the scope belongs to on this server, if any. */
  failover?: string;
}
