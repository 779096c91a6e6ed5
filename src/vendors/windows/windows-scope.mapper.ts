import { DriverError, DriverErrorCode } from '../driver-error.js';
import type { DhcpOption, OptionValue, Reservation, ScopeContent, ScopeSummary } from '../scope-content.js';

/** A scope as the projection in windows-projections.ts answers it. */
export interface WindowsScope {
  scopeId: string;
  mask: string;
  name: string;
  description?: string;
  state: string;
  start?: string;
  end?: string;
  lease?: number | null;
  exclusions?: Array<{ start: string; end: string }>;
  options?: WindowsOption[];
  reservations?: WindowsReservation[];
}

export interface WindowsOption {
  id: number;
  name?: string;
  type?: string;
  value: unknown;
}

export interface WindowsReservation {
  ip: string;
  clientId: string;
  name?: string;
  description?: string;
  type?: string;
  options?: WindowsOption[];
}

/** Option 51 (lease time) is the scope's lease duration on Windows: the model holds it as `leaseTime`. */
export const LEASE_OPTION = 51;
/** Add-DhcpServerv4Reservation's default type; other types are kept in `vendorExtras.reservationTypes`. */
export const DEFAULT_RESERVATION_TYPE = 'Dhcp';

export function prefixLength(mask: string): number {
  const bits = mask
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  if (!/^1*0*$/.test(bits) || bits.length !== 32) {
    throw new DriverError(DriverErrorCode.invalidConfig, `the subnet mask ${mask} is not contiguous`);
  }
  return bits.indexOf('0') === -1 ? 32 : bits.indexOf('0');
}

export function maskOf(prefix: number): string {
  const value = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

export function summaryFromWindows(
  scope: Pick<WindowsScope, 'scopeId' | 'mask' | 'name' | 'state'>,
  failover?: string,
): ScopeSummary {
  return {
    subnet: `${scope.scopeId}/${prefixLength(scope.mask)}`,
    ...(scope.name ? { name: scope.name } : {}),
    enabled: scope.state === 'Active',
    ...(failover ? { failover } : {}),
  };
}

/** The model of a Windows scope; `failover` is the relationship it belongs to on this server, if any. */
export function scopeFromWindows(scope: WindowsScope, failover?: string): ScopeContent {
  const reservationTypes: Record<string, string> = {};
  const reservations = (scope.reservations ?? []).map((reservation) => {
    if (reservation.type && reservation.type !== DEFAULT_RESERVATION_TYPE) {
      reservationTypes[reservation.ip] = reservation.type;
    }
    return reservationFromWindows(reservation);
  });
  const extras: Record<string, unknown> = {
    ...(failover ? { failoverRelationship: failover } : {}),
    ...(Object.keys(reservationTypes).length > 0 ? { reservationTypes } : {}),
  };
  return {
    subnet: `${scope.scopeId}/${prefixLength(scope.mask)}`,
    ...(scope.name ? { name: scope.name } : {}),
    ...(scope.description ? { description: scope.description } : {}),
    enabled: scope.state === 'Active',
    ...(typeof scope.lease === 'number' ? { leaseTime: Math.round(scope.lease) } : {}),
    pools: scope.start && scope.end ? [{ start: scope.start, end: scope.end }] : [],
    exclusions: (scope.exclusions ?? []).map(({ start, end }) => ({ start, end })),
    reservations,
    options: optionsFromWindows(scope.options),
    ...(Object.keys(extras).length > 0 ? { vendorExtras: extras } : {}),
  };
}

function reservationFromWindows(reservation: WindowsReservation): Reservation {
  const octets = reservation.clientId.toLowerCase().split(/[-:]/);
  const hardware = octets.length === 6 && octets.every((octet) => /^[0-9a-f]{2}$/.test(octet));
  return {
    address: reservation.ip,
    ...(hardware ? { hardwareAddress: octets.join(':') } : { clientId: octets.join(':') }),
    ...(reservation.name ? { name: reservation.name } : {}),
    ...(reservation.description ? { description: reservation.description } : {}),
    options: optionsFromWindows(reservation.options),
  };
}

function optionsFromWindows(options: WindowsOption[] | undefined): DhcpOption[] {
  return (options ?? [])
    .filter((option) => option.id !== LEASE_OPTION)
    .map((option) => {
      const values = (Array.isArray(option.value) ? option.value : [option.value]).map((value) =>
        String(value),
      );
      return {
        code: option.id,
        ...(option.name ? { name: option.name } : {}),
        value: values.length === 1 ? values[0] : values,
      };
    })
    .sort((a, b) => a.code - b.code);
}

/** A model option's value as the `-Value` strings of Set-DhcpServerv4OptionValue. */
export function optionValues(value: OptionValue): string[] {
  return Array.isArray(value) ? value.map((item) => String(item)) : [String(value)];
}

/** The ClientId Windows takes: hex octets joined by `-` (a MAC address, or a client identifier). */
export function windowsClientId(reservation: Reservation): string {
  const id = reservation.hardwareAddress ?? reservation.clientId;
  if (!id) {
    throw new DriverError(
      DriverErrorCode.invalidConfig,
      `reservation ${reservation.address} has neither a hardware address nor a client id; Windows needs one`,
    );
  }
  return id.replace(/[:.]/g, '-').toLowerCase();
}

export function reservationType(content: ScopeContent, address: string): string {
  const types = content.vendorExtras?.['reservationTypes'];
  const type =
    typeof types === 'object' && types !== null ? (types as Record<string, unknown>)[address] : undefined;
  return typeof type === 'string' && ['Dhcp', 'Bootp', 'Both'].includes(type)
    ? type
    : DEFAULT_RESERVATION_TYPE;
}
