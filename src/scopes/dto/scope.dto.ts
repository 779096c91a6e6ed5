import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AddressRangeDto {
  /** First address of the range, inclusive, e.g. `10.1.2.100`. */
  start!: string;
  /** Last address of the range, inclusive, e.g. `10.1.2.200`. */
  end!: string;
}

export class AddressPoolDto extends AddressRangeDto {
  /** ISC: the failover peer the pool names. */
  failoverPeer?: string;
}

export class DhcpOptionDto {
  /** Option code, 1-254. */
  code!: number;
  /** Name, e.g. `routers`. */
  name?: string;
  /** The value as the server writes it (text; hex when `format` is `hex`). */
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: {} }],
  })
  value!: string | number | boolean | string[] | number[];
  /** `hex`: `value` is the option's raw bytes in hex (Kea `csv-format: false`; ISC colon-separated bytes). */
  @ApiPropertyOptional({ enum: ['hex'] })
  format?: 'hex';
  /** The server's settings of this option the model does not hold (Kea: `always-send`, ...), kept verbatim. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  vendorExtras?: Record<string, unknown>;
}

export class ReservationDto {
  /** Absent for a reservation without an address (Kea: hardware address and host name, classes, options only). */
  address?: string;
  /** The client's MAC address, lower-case and colon-separated, e.g. `aa:bb:cc:dd:ee:01`. */
  hardwareAddress?: string;
  /** The client identifier (option 61) in hex octets, e.g. `01:aa:bb:cc:dd:ee:01`, for a client not matched by MAC. */
  clientId?: string;
  /** The reservation's name (ISC: the `host` name; Kea: `hostname`; Windows: the reservation name). */
  name?: string;
  /** Free text, where the vendor keeps one (Windows; Kea: `user-context.description`). */
  description?: string;
  /** Options given to this client only, over the scope's. */
  @ApiProperty({ type: [DhcpOptionDto] })
  options!: DhcpOptionDto[];
  /**
   * The server's settings of this reservation the model does not hold (Kea: `client-classes`, `next-server`,
   * `boot-file-name`, other `user-context`, ...), kept verbatim.
   */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  vendorExtras?: Record<string, unknown>;
}

/** A scope's full content in the vendor-neutral model. */
export class ScopeContentDto {
  /** CIDR, e.g. `10.1.2.0/24`. */
  subnet!: string;
  /** The scope's name, where the vendor keeps one (Windows: the scope name; Kea: `user-context.name`; ISC: none). */
  /** Free text, where the vendor keeps one (Windows: the scope description; Kea: `user-context.description`). */
  description?: string;
  /** False for a disabled scope: Windows inactive, ISC pools that `deny all clients`, Kea pools closed to all. */
  enabled!: boolean;
  /** Seconds. */
  leaseTime?: number;
  /** The ranges leased from (Windows: the scope's one range; ISC: its `range`s; Kea: its pools). */
  @ApiProperty({ type: [AddressPoolDto] })
  pools!: AddressPoolDto[];
  /**
   * Addresses not leased (Windows: its exclusions; ISC: the subnet's usable addresses outside every range; Kea has
   * none).
   */
  @ApiProperty({ type: [AddressRangeDto] })
  exclusions!: AddressRangeDto[];
  /** Addresses (or settings) kept for particular clients. */
  @ApiProperty({ type: [ReservationDto] })
  reservations!: ReservationDto[];
  /** Options of the scope, given to every client of it. */
  @ApiProperty({ type: [DhcpOptionDto] })
  options!: DhcpOptionDto[];
  /** What the server holds that the model cannot express, kept verbatim (never dropped). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  vendorExtras?: Record<string, unknown>;
  /**
   * The vendor the content was read from, when its reservations and options carry `vendorExtras` of their own
   * (Kea): those are compared and copied only between servers of that vendor.
   */
  @ApiPropertyOptional({ enum: ['kea', 'isc', 'windows'] })
  vendor?: 'kea' | 'isc' | 'windows';
}

export class ScopeSummaryDto {
  /** CIDR, e.g. `10.1.2.0/24`. */
  subnet!: string;
  /** The scope's name, where the vendor keeps one (Windows: the scope name; Kea: `user-context.name`; ISC: none). */
  /** False for a disabled scope (see ScopeContentDto.enabled). */
  enabled!: boolean;
  /** The failover relationship (Kea: the HA peers) or ISC peer the scope belongs to on this server. */
  failover?: string;
}

export class ScopeListDto {
  /** The server's scopes the caller can see: all of them, or the single scopes its grants name. */
  @ApiProperty({ type: [ScopeSummaryDto] })
  items!: ScopeSummaryDto[];
  /** How many scopes are listed (there is no paging). */
  total!: number;
}
