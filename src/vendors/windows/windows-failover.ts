import { createHash } from 'node:crypto';
import type {
  DiscoveredFailover,
  FailoverChange,
  FailoverMode,
  FailoverOperations,
  FailoverSpec,
  FailoverState,
  ServerTarget,
  WriteContext,
} from '../driver.js';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import { psString } from './powershell/ps-literal.js';
import { stepError, win32Code } from './powershell/ps-results.js';
import { PsScript } from './powershell/ps-script.js';
import { WindowsFailoverScopes } from './windows-failover-scopes.js';
import { failoverParameters } from './windows-failover-settings.js';
import { getFailover, LIST_FAILOVERS } from './windows-projections.js';
import { runBatch } from './windows-session.js';

/** A relationship as the projection in windows-projections.ts answers it (Get-DhcpServerv4Failover). */
export interface WindowsFailoverInfo {
  name: string;
  partnerServer: string;
  mode: string;
  serverRole: string;
  loadBalancePercent: number;
  reservePercent: number;
  maxClientLeadTime: number | null;
  autoStateTransition: boolean;
  stateSwitchInterval: number | null;
  state: string;
  enableAuth: boolean;
  primaryServerName: string;
  primaryServerIp: string;
  secondaryServerName: string;
  secondaryServerIp: string;
  serverType: string;
  scopeIds: string[];
}

export const RELATIONSHIP_NOT_FOUND = 20115;

/**
 * Windows DHCP failover: relationships are made by adding scopes (see {@link WindowsFailoverScopes}); settings are
 * changed with Set-DhcpServerv4Failover, state and discovery read with Get-DhcpServerv4Failover. Every
 * `peerName` here is the relationship's name, which both servers share.
 */
export class WindowsFailover implements FailoverOperations {
  readonly scopes = new WindowsFailoverScopes();
  /** A Windows server takes part in up to 31 relationships: discovery asks one already in a managed relationship. */
  readonly severalPerServer = true;

  /** Set-DhcpServerv4Failover with `spec`'s settings as `sides[local]` sees them; undo sets back what was read. */
  async applyFailover(local: 0 | 1, spec: FailoverSpec): Promise<FailoverChange> {
    const target = spec.sides[local].target;
    const before = await readFailover(target, spec.name);
    const script = new PsScript();
    script.step([
      `Set-DhcpServerv4Failover -Name ${psString(spec.name)} ${failoverParameters(spec, local, true).join(' ')}`,
    ]);
    script.step([], getFailover(psString(spec.name)));
    const [set, read] = await runBatch(target, script);
    if (!set.ok) throw stepError(set, `${target.name}: change failover relationship "${spec.name}"`);
    const after = read.ok ? (read.value as WindowsFailoverInfo[])[0] : undefined;
    return {
      before: digestOf(before),
      after: digestOf(after),
      changed: digestOf(before) !== digestOf(after),
      undo: async () => {
        // Windows never returns a shared secret: a change that set or withdrew one puts authentication back off, or
        // back on with the secret the relationship's record held (none for one adopted without being given it).
        const secretChanged = spec.settings['sharedSecret'] !== undefined;
        const previous = spec.previousSecrets?.['sharedSecret'];
        const oldSecret = typeof previous === 'string' && previous ? previous : undefined;
        const parameters = settingsOfInfo(before);
        if (secretChanged && before && !before.enableAuth) parameters.unshift('-SharedSecret $null');
        if (secretChanged && before?.enableAuth && oldSecret) {
          parameters.unshift(`-SharedSecret ${psString(oldSecret)}`);
        }
        const undo = new PsScript();
        undo.step([`Set-DhcpServerv4Failover -Name ${psString(spec.name)} ${parameters.join(' ')}`]);
        const [result] = await runBatch(target, undo);
        if (!result.ok)
          throw stepError(result, `${target.name}: restore failover relationship "${spec.name}"`);
        if (secretChanged && before?.enableAuth && !oldSecret) {
          throw new DriverError(
            DriverErrorCode.conflict,
            `${target.name}: the previous shared secret of "${spec.name}" cannot be restored (Windows never ` +
              'returns it); set sharedSecret again',
            undefined,
            { leftChanged: true },
          );
        }
      },
    };
  }

  /** Remove-DhcpServerv4Failover (from both servers); scopes stay. Already gone counts as done. */
  async removeFailover(
    target: ServerTarget,
    _context: WriteContext,
    peerName?: string,
  ): Promise<FailoverChange> {
    const names = peerName ? [peerName] : (await listFailovers(target)).map((failover) => failover.name);
    const script = new PsScript();
    for (const name of names) script.step([`Remove-DhcpServerv4Failover -Name ${psString(name)} -Force`]);
    const results = await runBatch(target, script);
    for (const result of results) {
      // No server name: the caller (allOrNothing) names it.
      if (!result.ok && win32Code(result) !== RELATIONSHIP_NOT_FOUND) {
        throw stepError(result, 'remove failover relationship');
      }
    }
    return {
      before: digestOf(names),
      after: digestOf([]),
      changed: results.some((result) => result.ok),
      undo: () =>
        Promise.reject(
          new DriverError(
            DriverErrorCode.unsupported,
            'a removed Windows relationship is re-created by adding a scope',
          ),
        ),
    };
  }

  async readFailoverState(target: ServerTarget, peerName?: string): Promise<FailoverState> {
    const failover = peerName ? await readFailover(target, peerName) : (await listFailovers(target))[0];
    if (!failover) {
      throw new DriverError(
        DriverErrorCode.notFound,
        `Windows server ${target.name} has no failover relationship${peerName ? ` "${peerName}"` : ''}`,
      );
    }
    return {
      state: stateName(failover.state),
      scopesServed: failover.scopeIds,
      detail: { ...failover },
    };
  }

  /** Every relationship of the server (up to 31); two servers pair up by the addresses each one records. */
  async discoverFailover(target: ServerTarget): Promise<DiscoveredFailover[]> {
    return (await listFailovers(target)).map(discovered);
  }
}

export async function listFailovers(target: ServerTarget): Promise<WindowsFailoverInfo[]> {
  const script = new PsScript();
  script.step([], LIST_FAILOVERS);
  const [result] = await runBatch(target, script);
  if (!result.ok) throw stepError(result, `${target.name}: list failover relationships`);
  return result.value as WindowsFailoverInfo[];
}

/** The relationship `name` on `target`, or undefined when the server has none of that name. */
export async function readFailover(
  target: ServerTarget,
  name: string,
): Promise<WindowsFailoverInfo | undefined> {
  const script = new PsScript();
  script.step([], getFailover(psString(name)));
  const [result] = await runBatch(target, script);
  if (!result.ok) {
    if (win32Code(result) === RELATIONSHIP_NOT_FOUND) return undefined;
    throw stepError(result, `${target.name}: read failover relationship "${name}"`);
  }
  return (result.value as WindowsFailoverInfo[])[0];
}

export function modeOf(failover: WindowsFailoverInfo): FailoverMode {
  return failover.mode === 'HotStandby' ? 'hot-standby' : 'load-balancing';
}

/** This server's role in the service's terms: hot standby Active/Standby, load balance primary/secondary. */
export function roleOf(failover: WindowsFailoverInfo): string {
  if (modeOf(failover) === 'hot-standby') return failover.serverRole === 'Standby' ? 'standby' : 'primary';
  return failover.serverType === 'SecondaryServer' ? 'secondary' : 'primary';
}

/** WindowsFailoverSettingsDto's fields as found on a server (the shared secret cannot be read back). */
export function settingsOf(failover: WindowsFailoverInfo): Record<string, unknown> {
  const primary = roleOf(failover) === 'primary';
  return {
    maxClientLeadTime: Math.round(failover.maxClientLeadTime ?? 3600),
    ...(modeOf(failover) === 'load-balancing'
      ? { loadBalancePercent: primary ? failover.loadBalancePercent : 100 - failover.loadBalancePercent }
      : { reservePercent: failover.reservePercent }),
    stateSwitchInterval: failover.autoStateTransition ? Math.round(failover.stateSwitchInterval ?? 0) : 0,
    messageAuthentication: failover.enableAuth,
  };
}

function discovered(failover: WindowsFailoverInfo): DiscoveredFailover {
  const primaryHere = failover.serverType !== 'SecondaryServer';
  const self = primaryHere ? failover.primaryServerIp : failover.secondaryServerIp;
  const partner = primaryHere ? failover.secondaryServerIp : failover.primaryServerIp;
  const role = roleOf(failover);
  const partnerRole =
    modeOf(failover) === 'hot-standby'
      ? role === 'primary'
        ? 'standby'
        : 'primary'
      : primaryHere
        ? 'secondary'
        : 'primary';
  return {
    name: failover.name,
    mode: modeOf(failover),
    thisPeer: failover.name,
    peers: [
      { name: failover.name, role, url: self },
      { name: failover.name, role: partnerRole, url: partner },
    ],
    settings: settingsOf(failover),
    endpoints: { self, partner },
    sideSettings: {},
  };
}

/** Set-DhcpServerv4Failover parameters that put back what `failover` had (the shared secret is not readable). */
function settingsOfInfo(failover: WindowsFailoverInfo | undefined): string[] {
  if (!failover) return [];
  const parameters = [
    `-MaxClientLeadTime ([TimeSpan]::FromSeconds(${Math.round(failover.maxClientLeadTime ?? 3600)}))`,
  ];
  if (modeOf(failover) === 'load-balancing')
    parameters.push(`-LoadBalancePercent ${Math.round(failover.loadBalancePercent)}`);
  else parameters.push(`-ReservePercent ${Math.round(failover.reservePercent)}`);
  parameters.push(
    failover.autoStateTransition
      ? `-AutoStateTransition $true -StateSwitchInterval ([TimeSpan]::FromSeconds(${Math.round(failover.stateSwitchInterval ?? 0)}))`
      : '-AutoStateTransition $false',
  );
  return [...parameters, '-Force'];
}

/** `CommunicationInterrupted` -> `communication-interrupted`, as the other vendors name states. */
export function stateName(state: string): string {
  return state.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

export function digestOf(value: unknown): string {
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(value ?? null))
    .digest('hex')
    .slice(0, 16)}`;
}
