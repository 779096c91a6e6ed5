import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** dhcpd's names are quoted strings; ours stay to characters that need no escaping in dhcpd.conf or in logs. */
export const ISC_PEER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const MAX_INT32 = 2 ** 31 - 1;

/**
 * ISC dhcpd failover settings of a relationship (`failover peer` statements, dhcpd.conf(5)); each server's own
 * `address` and `port` are per-server settings (`servers[].settings`). Absent values take the defaults in brackets.
 * MCLT and split are written on the primary only (dhcpd: "must be specified on the primary, and may not be specified
 * on the secondary"), whichever server that is.
 */
export class IscFailoverSettingsDto {
  /** The `failover peer "<name>"` both servers declare [the relationship's name]; fixed once created. */
  @IsOptional()
  @Matches(ISC_PEER_NAME, {
    message: 'peerName must be 1-100 letters, digits or "._-", starting with a letter or digit',
  })
  peerName?: string;

  /** Maximum Client Lead Time in seconds, primary only [3600]. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  mclt?: number;

  /**
   * Share of clients the primary answers, of 256 (primary only). load-balancing: 1-255 [128]; hot-standby: 256, the
   * primary answers every client and the secondary only takes over [256].
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(256)
  split?: number;

  /** Seconds without a message from the partner before the connection counts as failed [60]. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  maxResponseDelay?: number;

  /** BNDUPD messages the partner may send before an acknowledgement [10]. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  maxUnackedUpdates?: number;

  /** Seconds (from the client's first request) after which load balancing no longer applies [3]. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT32)
  loadBalanceMaxSeconds?: number;
}
