import type { FailoverSpec } from '../driver.js';
import { psBool, psInt, psString, psTimeSpan } from './powershell/ps-literal.js';

/**
 * Defaults Microsoft documents for Add-DhcpServerv4Failover: maximum client lead time 1 hour, load balance 50 %,
 * 5 % of the free addresses reserved for the standby, the active server's role Active, and no automatic switch
 * from CommunicationInterrupted to PartnerDown (AutoStateTransition false).
 */
export const WINDOWS_FAILOVER_DEFAULTS = {
  maxClientLeadTime: 3600,
  loadBalancePercent: 50,
  reservePercent: 5,
  stateSwitchInterval: 0,
} as const;

/** A relationship's settings as the driver reads them from `spec.settings` (WindowsFailoverSettingsDto). */
export interface WindowsFailoverSettings {
  maxClientLeadTime: number;
  /** The primary's share of the clients (load-balancing); the secondary's is the rest. */
  loadBalancePercent: number;
  /** Hot standby: the share of free addresses the standby keeps. */
  reservePercent: number;
  /** Seconds in CommunicationInterrupted before PartnerDown; 0 = never automatically. */
  stateSwitchInterval: number;
  /** Message authentication: present only in memory (sealed at rest), never read back from a server. */
  sharedSecret?: string;
}

export function windowsSettingsOf(spec: FailoverSpec): WindowsFailoverSettings {
  const number = (key: keyof typeof WINDOWS_FAILOVER_DEFAULTS): number => {
    const value = spec.settings[key];
    return typeof value === 'number' ? value : WINDOWS_FAILOVER_DEFAULTS[key];
  };
  const secret = spec.settings['sharedSecret'];
  return {
    maxClientLeadTime: number('maxClientLeadTime'),
    loadBalancePercent: number('loadBalancePercent'),
    reservePercent: number('reservePercent'),
    stateSwitchInterval: number('stateSwitchInterval'),
    ...(typeof secret === 'string' && secret ? { sharedSecret: secret } : {}),
  };
}

/** `primary` (load-balancing primary or hot-standby active) is Windows' Active; the standby is Standby. */
export function serverRoleOf(role: string): 'Active' | 'Standby' {
  return role === 'standby' ? 'Standby' : 'Active';
}

/**
 * The parameters Add- and Set-DhcpServerv4Failover share, as `spec.sides[local]` sees them: its own load-balance
 * share, the reserve, MCLT, the automatic state switch (only with an interval) and the shared secret (`-Force`
 * answers the confirmation PowerShell asks for before sending a secret, which a non-interactive session cannot).
 */
export function failoverParameters(spec: FailoverSpec, local: 0 | 1, forSet: boolean): string[] {
  const settings = windowsSettingsOf(spec);
  const primary = spec.sides[local].role === 'primary';
  const parameters = [`-MaxClientLeadTime ${psTimeSpan(settings.maxClientLeadTime)}`];
  if (spec.mode === 'load-balancing') {
    const share = primary ? settings.loadBalancePercent : 100 - settings.loadBalancePercent;
    parameters.push(`-LoadBalancePercent ${psInt(share)}`);
  } else {
    parameters.push(`-ReservePercent ${psInt(settings.reservePercent)}`);
    if (!forSet) parameters.push(`-ServerRole ${psString(serverRoleOf(spec.sides[local].role))}`);
  }
  if (settings.stateSwitchInterval > 0) {
    parameters.push(
      `-AutoStateTransition $true -StateSwitchInterval ${psTimeSpan(settings.stateSwitchInterval)}`,
    );
  } else {
    parameters.push(`-AutoStateTransition ${psBool(false)}`);
  }
  if (settings.sharedSecret) parameters.push(`-SharedSecret ${psString(settings.sharedSecret)}`);
  // A PATCH that withdraws the secret: Microsoft's way to turn message authentication off.
  else if (forSet && spec.settings['sharedSecret'] === null) parameters.push('-SharedSecret $null');
  parameters.push('-Force');
  return parameters;
}
