import { ApiHideProperty, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayUnique,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsIP,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsScopeNetwork, IsIpv4OrHostName } from '../../common/validation/network.validators.js';
import type { PeerDeletion } from '../../vendors/isc/isc-peer-rules.js';
import type { PeerView } from '../../vendors/isc/isc-peer-views.js';
import type { ScopeMigration } from '../../vendors/isc/isc-pool-migration.js';

const INT32 = 2 ** 31 - 1;
const ROLES = ['primary', 'secondary'] as const;

/** The fields a peer declaration has in every request that sets them (ranges from `man dhcpd.conf`). */
class FailoverPeerFieldsDto {
  /** `primary` or `secondary`. */
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES, { message: 'role must be primary or secondary' })
  role!: 'primary' | 'secondary';

  /** IP address or DNS name this server listens on for connections from its peer (`address`). */
  @IsIpv4OrHostName()
  address!: string;

  /** TCP port this server listens on for its peer (`port`; dhcpd's default is 647). */
  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  /** IP address or DNS name this server connects to, to reach its peer (`peer address`). */
  @IsIpv4OrHostName()
  peerAddress!: string;

  /** TCP port this server connects to (`peer port`). */
  @IsInt()
  @Min(1)
  @Max(65535)
  peerPort!: number;

  /** Seconds without a message from the peer before the connection counts as failed (`max-response-delay`). */
  @IsInt()
  @Min(1)
  @Max(INT32)
  maxResponseDelay!: number;

  /** Updates the peer may send before an acknowledgement (`max-unacked-updates`; ISC suggests 10). */
  @IsInt()
  @Min(1)
  @Max(INT32)
  maxUnackedUpdates!: number;

  /**
   * Maximum client lead time in seconds (`mclt`). Required on the primary; a secondary must not have it. At least 1:
   * dhcpd reads `mclt 0` as no mclt ("primary failover server must have mclt").
   */
  @ApiPropertyOptional({ minimum: 1, maximum: INT32 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT32)
  mclt?: number;

  /** Load-balancing split, 0-256 (`split`; ISC: 128). Primary only. */
  @ApiPropertyOptional({ minimum: 0, maximum: 256 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(256)
  split?: number;

  /** Seconds after which load balancing is disabled for a client (`load balance max seconds`; ISC: 3 or 5). */
  @ApiPropertyOptional({ minimum: 0, maximum: INT32 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT32)
  loadBalanceMaxSeconds?: number;
}

export class CreateFailoverPeerDto extends FailoverPeerFieldsDto {
  /** The peer's name (`failover peer "<name>"`), as pools refer to it. */
  @IsString()
  @MaxLength(100)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    message: 'name must start with a letter or digit and hold only letters, digits, ".", "_" and "-"',
  })
  name!: string;

  /**
   * Scopes (network addresses) whose pools move to this peer in the same write. Needed for a peer that is not the
   * server's first (the first takes every pool; dhcpd refuses a peer no pool refers to).
   */
  @ApiPropertyOptional({ type: [String], example: ['10.1.2.0'] })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsScopeNetwork({ each: true })
  scopes?: string[];

  /**
   * Addresses in the ranges of address pools that move to this peer, one pool each, wherever their scopes (the seed's
   * new peer made from one pool's dialog): like `pool` of `PUT .../scopes/{network}/failover-peer`. Another way than
   * `scopes` to give a peer that is not the server's first its pools; both may be given.
   */
  @ApiPropertyOptional({ type: [String], example: ['10.1.2.10'] })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIP(4, {
    each: true,
    message: "each of pools must be an IPv4 address in a range of a scope, such as a pool's start",
  })
  pools?: string[];

  /** Confirms deleting a peer whose last pools move to this one (see `PUT .../scopes/{network}/failover-peer`). */
  @IsOptional()
  @IsBoolean({ message: 'confirmDeleteOldPeer must be true or false' })
  confirmDeleteOldPeer?: boolean;
}

/** Any fields of a peer; `null` removes `mclt`, `split` or `loadBalanceMaxSeconds`. The name cannot change. */
export class UpdateFailoverPeerDto {
  /**
   * Refused with its reason (not the generic "unknown field"): dhcpd pairs the two servers' declarations by name, so
   * a rename on one server alone breaks the pair.
   */
  @ApiHideProperty()
  @ValidateIf((_, value) => value !== undefined)
  @Equals(undefined, {
    message:
      "name cannot change: dhcpd pairs the two servers' declarations by name, so a rename here would break the " +
      'pair; create a peer with the new name (POST with scopes), then delete this one',
  })
  name?: never;

  /** `primary` or `secondary` (a secondary has no `mclt` or `split`: send them as `null`). */
  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES, { message: 'role must be primary or secondary' })
  role?: 'primary' | 'secondary';

  /** IP address or DNS name this server listens on for its peer (`address`). */
  @IsOptional()
  @IsIpv4OrHostName()
  address?: string;

  /** TCP port this server listens on for its peer (`port`). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;

  /** IP address or DNS name this server connects to, to reach its peer (`peer address`). */
  @IsOptional()
  @IsIpv4OrHostName()
  peerAddress?: string;

  /** TCP port this server connects to (`peer port`). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  peerPort?: number;

  /** Seconds without a message from the peer before the connection counts as failed (`max-response-delay`). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT32)
  maxResponseDelay?: number;

  /** Updates the peer may send before an acknowledgement (`max-unacked-updates`). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT32)
  maxUnackedUpdates?: number;

  /** `null` removes it (needed when the role becomes secondary). At least 1: dhcpd reads `mclt 0` as none. */
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: INT32 })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @IsInt()
  @Min(1)
  @Max(INT32)
  mclt?: number | null;

  /** Load-balancing split, 0-256 (`split`), primary only; `null` removes it. */
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 256 })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @IsInt()
  @Min(0)
  @Max(256)
  split?: number | null;

  /** Seconds after which load balancing is disabled for a client (`load balance max seconds`); `null` removes it. */
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: INT32 })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @IsInt()
  @Min(0)
  @Max(INT32)
  loadBalanceMaxSeconds?: number | null;
}

export class DeleteFailoverPeerQuery {
  /** The peer that pools naming the deleted one refer to instead; needed when two or more other peers are left. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  replacement?: string;
}

export class MigrateScopePeerDto {
  /** The failover peer the scope's pools refer to from now on. */
  @IsString()
  @MaxLength(100)
  name!: string;

  /**
   * Confirms that a peer whose last pools are in this scope is deleted (dhcpd refuses a peer no pool refers to).
   * Without it such a change is refused with a 409 naming the peer.
   */
  @IsOptional()
  @IsBoolean({ message: 'confirmDeleteOldPeer must be true or false' })
  confirmDeleteOldPeer?: boolean;

  /** Same as `confirmDeleteOldPeer` (the name in the design document). */
  @IsOptional()
  @IsBoolean({ message: 'confirmPeerDeletion must be true or false' })
  confirmPeerDeletion?: boolean;

  /**
   * Moves only the address pool holding this address (e.g. a `start` from the scope's `pools`), not every pool of the
   * scope: the seed's change of "some specific address pool". A bare `range` holding it becomes a pool of its own. A
   * 404 when no range of the scope holds it.
   */
  @IsOptional()
  @IsIP(4, { message: "pool must be an IPv4 address in one of the scope's ranges, such as a pool's start" })
  pool?: string;
}

export class FailoverPeerDto {
  /** The peer's name (`failover peer "<name>"`), as pools refer to it. */
  name!: string;
  /** `primary` or `secondary`. */
  @ApiProperty({ enum: ROLES })
  role!: 'primary' | 'secondary';
  /** IP address or DNS name this server listens on for its peer (`address`). */
  address!: string;
  /** TCP port this server listens on for its peer (`port`). */
  port!: number;
  /** IP address or DNS name this server connects to, to reach its peer (`peer address`). */
  peerAddress!: string;
  /** TCP port this server connects to (`peer port`). */
  peerPort!: number;
  /** Seconds without a message from the peer before the connection counts as failed (`max-response-delay`). */
  maxResponseDelay!: number;
  /** Updates the peer may send before an acknowledgement (`max-unacked-updates`). */
  maxUnackedUpdates!: number;
  /** Maximum client lead time in seconds (`mclt`); primary only. */
  mclt?: number;
  /** Load-balancing split, 0-256 (`split`); primary only. */
  split?: number;
  /** Seconds after which load balancing is disabled for a client (`load balance max seconds`). */
  loadBalanceMaxSeconds?: number;
  /** Statements of the declaration the fields above do not cover (hba, auto-partner-down, ...), as written. */
  extras?: string[];
  /** How many pool declarations refer to the peer. */
  pools!: number;
  /** The scopes (CIDR) whose pools refer to it. */
  scopes!: string[];

  static from(view: PeerView): FailoverPeerDto {
    return Object.assign(new FailoverPeerDto(), view);
  }
}

export class FailoverPeerListDto {
  /** Every `failover peer` declaration of the server. */
  @ApiProperty({ type: [FailoverPeerDto] })
  items!: FailoverPeerDto[];
  /** How many peers are listed (there is no paging). */
  total!: number;
}

export class ScopeMigrationDto {
  /** The scope's network address. */
  network!: string;
  /** The address the one pool moved was picked by, when the request named one (`pool`). */
  pool?: string;
  /** The peer its pools refer to now. */
  peer!: string;
  /** Pool declarations changed (a bare range becomes a pool of its own). */
  poolsChanged!: number;
  /** Peers deleted because this scope held their last pools. */
  deletedPeers!: string[];

  static from(migration: ScopeMigration): ScopeMigrationDto {
    return Object.assign(new ScopeMigrationDto(), migration);
  }
}

export class CreatedFailoverPeerDto extends FailoverPeerDto {
  /** True when it was the server's first peer, so every other address pool now refers to it. */
  firstPeer!: boolean;
  /** Pools that got a reference by the first-peer rule. */
  poolsReferred!: number;
  /** The scopes named in `scopes` whose pools moved to this peer. */
  @ApiProperty({ type: [ScopeMigrationDto] })
  migrations!: ScopeMigrationDto[];
}

export class DeletedFailoverPeerDto {
  /** The peer deleted. */
  name!: string;
  /** `references-removed`: it was the last peer; `references-moved`: its pools refer to `replacement` now. */
  @ApiProperty({ enum: ['references-removed', 'references-moved'] })
  outcome!: 'references-removed' | 'references-moved';
  /** With `references-moved`: the peer the pools refer to now. */
  replacement?: string;
  /** Pools whose reference was removed or moved. */
  pools!: number;
  /** The subnets (CIDR) whose pools named the peer. */
  scopes!: string[];

  static from(deletion: PeerDeletion): DeletedFailoverPeerDto {
    return Object.assign(new DeletedFailoverPeerDto(), deletion);
  }
}
