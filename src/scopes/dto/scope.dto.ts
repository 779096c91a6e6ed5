import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AddressRangeDto {
  start!: string;
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
  @ApiPropertyOptional({ enum: ['hex'] })
  format?: 'hex';
  /** The server's settings of this option the model does not hold (Kea: `always-send`, ...), kept verbatim. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  vendorExtras?: Record<string, unknown>;
}

export class ReservationDto {
  /** Absent for a reservation without an address (Kea: hardware address and host name, classes, options only). */
  address?: string;
  hardwareAddress?: string;
  clientId?: string;
  name?: string;
  description?: string;
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
  name?: string;
  description?: string;
  enabled!: boolean;
  /** Seconds. */
  leaseTime?: number;
  @ApiProperty({ type: [AddressPoolDto] })
  pools!: AddressPoolDto[];
  @ApiProperty({ type: [AddressRangeDto] })
  exclusions!: AddressRangeDto[];
  @ApiProperty({ type: [ReservationDto] })
  reservations!: ReservationDto[];
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
  subnet!: string;
  name?: string;
  enabled!: boolean;
  /** The failover relationship (Kea: the HA peers) or ISC peer the scope belongs to on this server. */
  failover?: string;
}

export class ScopeListDto {
  @ApiProperty({ type: [ScopeSummaryDto] })
  items!: ScopeSummaryDto[];
  total!: number;
}
