import { IsBoolean, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** Kea HA hook parameters (Kea 2.2 `high-availability`); absent ones take Kea's defaults. */
export class KeaHaSettingsDto {
  /** Milliseconds between heartbeats to the partner (Kea default 10000; Kea 2.2 takes at most 65535). */
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(65_535)
  heartbeatDelay?: number;

  /** Milliseconds without a reply before the partner is considered unresponsive (default 60000; at most 65535). */
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(65_535)
  maxResponseDelay?: number;

  /** Milliseconds a client may wait for an answer before counting as unacked (default 10000; at most 65535). */
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(65_535)
  maxAckDelay?: number;

  /** Unacked clients that make the partner count as down (default 10; 0 = on the first missed heartbeat). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  maxUnackedClients?: number;

  /** Whether a starting server fetches the partner's leases (default true). */
  @IsOptional()
  @IsBoolean()
  syncLeases?: boolean;

  /** Milliseconds for one lease-page fetch (default 60000). */
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  syncTimeout?: number;

  /** Leases per page during synchronisation (default 10000). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  syncPageLimit?: number;

  /**
   * load-balancing: lease updates queued while the partner is unavailable (Kea's default there is 100; other modes
   * take 0 only, their default).
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  delayedUpdatesLimit?: number;

  /** Whether lease updates are sent to the partner (default true). */
  @IsOptional()
  @IsBoolean()
  sendLeaseUpdates?: boolean;

  /** passive-backup: whether the primary waits for the backup's acknowledgement (default false). */
  @IsOptional()
  @IsBoolean()
  waitBackupAck?: boolean;

  /**
   * Directory of Kea's hook libraries on both servers. Absent: where each server has its HA (else lease_cmds) hook
   * already, else Debian's /usr/lib/x86_64-linux-gnu/kea/hooks; `null` in a PATCH: Debian's.
   */
  @IsOptional()
  @Matches(/^\/[A-Za-z0-9._/-]{0,1023}$/, { message: 'hooksDirectory must be an absolute path' })
  hooksDirectory?: string;
}
