import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsHostOrIp, IsSshFingerprint } from '../../common/validation/network.validators.js';

const PRIVATE_KEY = /^-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----\s*$/;

/** SSH settings shared by ISC (transport `ssh`) and Windows (OpenSSH on Windows Server). */
export class SshConnectionFields {
  /** Host name or IP address of the SSH server. */
  @IsOptional()
  @IsHostOrIp()
  host?: string;

  /** SSH port (default 22). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;

  /** SSH user: one allowed to read and replace the files and to run the commands the vendor needs. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._\\@-]{1,104}$/, { message: 'username must be 1-104 letters, digits or "._\\@-"' })
  username?: string;

  /** Write-only: stored encrypted, never returned. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;

  /** OpenSSH private key, or PEM RSA or EC (not PKCS#8, which SSH here cannot read). Write-only. */
  @IsOptional()
  @Matches(PRIVATE_KEY, { message: 'privateKey must be a PEM or OpenSSH private key' })
  @MaxLength(65536)
  privateKey?: string;

  /** Passphrase of the private key. Write-only. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  privateKeyPassphrase?: string;

  /** The server's host key, pinned: connections to a host presenting another key are refused. */
  @IsOptional()
  @IsSshFingerprint()
  hostKeyFingerprint?: string;
}

export const SSH_SECRETS = ['password', 'privateKey', 'privateKeyPassphrase'] as const;
