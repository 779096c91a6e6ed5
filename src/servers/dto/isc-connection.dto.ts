import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { SSH_SECRETS, SshConnectionFields } from './ssh-connection.dto.js';

const ABSOLUTE_PATH = /^\/[^\0]{0,1023}$/;

/** How to reach an ISC dhcpd server: locally, or over SSH (SFTP for files, exec for commands). */
export class IscConnectionDto extends SshConnectionFields {
  /** `local` when this service runs on the DHCP host, else `ssh`. */
  @ApiProperty({ enum: ['ssh', 'local'] })
  @IsIn(['ssh', 'local'])
  transport!: 'ssh' | 'local';

  /** Absolute path of dhcpd.conf, e.g. `/etc/dhcp/dhcpd.conf`. */
  @Matches(ABSOLUTE_PATH, { message: 'configPath must be an absolute path' })
  configPath!: string;

  /** Absolute path of the leases file (default `/var/lib/dhcp/dhcpd.leases`). */
  @IsOptional()
  @Matches(ABSOLUTE_PATH, { message: 'leasesPath must be an absolute path' })
  leasesPath?: string;

  /** Absolute path of the dhcpd binary (default `/usr/sbin/dhcpd`), used for `dhcpd -t` validation. */
  @IsOptional()
  @Matches(ABSOLUTE_PATH, { message: 'dhcpdPath must be an absolute path' })
  dhcpdPath?: string;

  /** Command that restarts dhcpd after a change, e.g. `systemctl restart isc-dhcp-server`. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  restartCommand?: string;

  /** OMAPI port, for live failover state. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  omapiPort?: number;

  /** OMAPI key name. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,253}$/, { message: 'omapiKeyName must be a key name such as omapi_key' })
  omapiKeyName?: string;

  /** OMAPI key secret (base64). Write-only. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]+={0,2}$/, { message: 'omapiKey must be base64' })
  @MaxLength(1024)
  omapiKey?: string;
}

export const ISC_SECRETS = [...SSH_SECRETS, 'omapiKey'] as const;
