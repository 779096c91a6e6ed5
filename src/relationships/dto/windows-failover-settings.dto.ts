import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
} from 'class-validator';
import { psUnsendable } from '../../vendors/windows/powershell/ps-literal.js';

const MAX_SECONDS = 2 ** 31 - 1;

/**
 * Windows DHCP failover settings of a relationship (Add-/Set-DhcpServerv4Failover). Absent values take Microsoft's
 * defaults in brackets. The server roles are `servers[].role`: hot-standby takes `primary` (Windows' Active) and
 * `standby`; load-balancing `primary` and `secondary`.
 */
export class WindowsFailoverSettingsDto {
  /** Maximum client lead time in seconds [3600]. */
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(MAX_SECONDS)
  maxClientLeadTime?: number;

  /** load-balancing: the share of clients the primary answers, in % (the secondary answers the rest) [50]. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  loadBalancePercent?: number;

  /** hot-standby: the share of free addresses reserved for the standby, in % [5]. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  reservePercent?: number;

  /**
   * Seconds a server stays in CommunicationInterrupted before it moves to PartnerDown by itself; 0 = never (it waits
   * for an administrator) [0].
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SECONDS)
  stateSwitchInterval?: number;

  /**
   * Shared secret for message authentication between the partners. Write-only: stored encrypted, never returned
   * (`messageAuthentication` says whether one is set); `null` in a PATCH turns authentication off. No NUL, no
   * carriage return, no blank line: PowerShell could not receive it intact.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  @ValidateBy({
    name: 'isSendableToPowerShell',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || psUnsendable(value) === undefined,
      // The value itself is never part of the message: it is a secret.
      defaultMessage: (args) =>
        `sharedSecret has ${psUnsendable(String(args?.value))}, which PowerShell cannot receive intact: ` +
        'use a secret without NUL characters, carriage returns or blank lines',
    },
  })
  sharedSecret?: string;

  /** Read-only: whether message authentication is on. Set it with `sharedSecret`. */
  @IsOptional()
  @IsBoolean()
  messageAuthentication?: boolean;
}
