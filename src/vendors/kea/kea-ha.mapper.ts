import type { DiscoveredFailover, FailoverMode, FailoverSpec } from '../driver.js';
import type { KeaDhcp4, KeaHook } from './kea-config.types.js';
import { keaSettingsOf } from './kea-settings.js';

export const HA_HOOK = 'libdhcp_ha.so';
export const LEASE_CMDS_HOOK = 'libdhcp_lease_cmds.so';
/** Where Debian installs Kea's hooks; a relationship may name another directory (`hooksDirectory`). */
export const DEFAULT_HOOKS_DIRECTORY = '/usr/lib/x86_64-linux-gnu/kea/hooks';

/** Relationship-wide HA parameters: API name -> Kea 2.2 `high-availability` key. */
export const HA_PARAMETERS = {
  heartbeatDelay: 'heartbeat-delay',
  maxResponseDelay: 'max-response-delay',
  maxAckDelay: 'max-ack-delay',
  maxUnackedClients: 'max-unacked-clients',
  syncLeases: 'sync-leases',
  syncTimeout: 'sync-timeout',
  syncPageLimit: 'sync-page-limit',
  delayedUpdatesLimit: 'delayed-updates-limit',
  sendLeaseUpdates: 'send-lease-updates',
  waitBackupAck: 'wait-backup-ack',
} as const;

export type HaParameter = keyof typeof HA_PARAMETERS;

interface KeaHaPeer {
  name: string;
  url: string;
  role: string;
  'auto-failover'?: boolean;
  'basic-auth-user'?: string;
  'basic-auth-password'?: string;
}

interface KeaHaConfig {
  'this-server-name': string;
  mode: FailoverMode;
  peers: KeaHaPeer[];
  [key: string]: unknown;
}

const isHook = (hook: KeaHook, file: string): boolean =>
  hook.library === file || hook.library.endsWith(`/${file}`);

/** The `high-availability` entry for side `local` of `spec`. */
export function haConfigFor(spec: FailoverSpec, local: 0 | 1): KeaHaConfig {
  const parameters = Object.fromEntries(
    (Object.entries(HA_PARAMETERS) as Array<[HaParameter, string]>)
      // null: a setting a PATCH withdrew, which Kea's default then stands for.
      .filter(([name]) => spec.settings[name] !== undefined && spec.settings[name] !== null)
      .map(([name, key]) => [key, spec.settings[name]]),
  );
  return {
    'this-server-name': spec.sides[local].peerName,
    mode: spec.mode,
    ...parameters,
    peers: spec.sides.map((side): KeaHaPeer => {
      const agent = keaSettingsOf(side.target);
      return {
        name: side.peerName,
        // Kea 2.2 peers talk to each other through their Control Agents.
        url: agent.url,
        role: side.role,
        'auto-failover': side.settings['autoFailover'] !== false,
        // The partner's agent may require basic auth: the peer gets the credentials registered for it.
        ...(agent.username !== undefined ? { 'basic-auth-user': agent.username } : {}),
        ...(agent.password !== undefined ? { 'basic-auth-password': agent.password } : {}),
      };
    }),
  };
}

/** The keys of a `high-availability` entry, and of its peers, that {@link haConfigFor} writes. */
const MANAGED_KEYS = new Set<string>(['this-server-name', 'mode', 'peers', ...Object.values(HA_PARAMETERS)]);
const MANAGED_PEER_KEYS = new Set<string>([
  'name',
  'url',
  'role',
  'auto-failover',
  'basic-auth-user',
  'basic-auth-password',
]);

const unmanaged = (entry: Record<string, unknown>, managed: Set<string>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(entry).filter(([key]) => !managed.has(key)));

const directoryOf = (hook: KeaHook | undefined): string | undefined => {
  const slash = hook?.library.lastIndexOf('/') ?? -1;
  return hook && slash > 0 ? hook.library.slice(0, slash) : undefined;
};

/**
 * Puts the lease_cmds and HA hooks (with `ha`) on the server, replacing any HA it had; other hooks stay. What the
 * HA entry it replaces holds beyond what `ha` manages (`state-machine`, `multi-threading`, TLS files, a peer's
 * `trust-anchor`, ...: set by hand, or by Kea's defaults) is kept. `hooksDirectory`: where the libraries are; absent,
 * where the server has its HA (else lease_cmds) hook now, else Debian's; `null` (a PATCH withdrawing it), Debian's.
 */
export function applyHa(dhcp4: KeaDhcp4, ha: KeaHaConfig, hooksDirectory?: string | null): void {
  const current = dhcp4['hooks-libraries'] ?? [];
  const haHook = current.find((hook) => isHook(hook, HA_HOOK));
  const directory =
    hooksDirectory === null
      ? DEFAULT_HOOKS_DIRECTORY
      : (hooksDirectory ??
        directoryOf(haHook) ??
        directoryOf(current.find((hook) => isHook(hook, LEASE_CMDS_HOOK))) ??
        DEFAULT_HOOKS_DIRECTORY);
  const previous = (haHook?.parameters?.['high-availability'] as KeaHaConfig[] | undefined)?.[0];
  const entry: KeaHaConfig = previous
    ? {
        ...unmanaged(previous, MANAGED_KEYS),
        ...ha,
        peers: ha.peers.map((peer) => {
          const before = previous.peers?.find((candidate) => candidate.name === peer.name);
          return before ? { ...unmanaged({ ...before }, MANAGED_PEER_KEYS), ...peer } : peer;
        }),
      }
    : ha;
  const hooks = current.filter((hook) => !isHook(hook, HA_HOOK));
  if (!hooks.some((hook) => isHook(hook, LEASE_CMDS_HOOK))) {
    hooks.push({ library: `${directory}/${LEASE_CMDS_HOOK}` });
  }
  hooks.push({ library: `${directory}/${HA_HOOK}`, parameters: { 'high-availability': [entry] } });
  dhcp4['hooks-libraries'] = hooks;
}

const TLS_KEYS = ['trust-anchor', 'cert-file', 'key-file'];

/**
 * The first peer Kea 2.2's HA hook would refuse on load for an `https` URL without TLS ("https scheme is not
 * supported for server ... where TLS is disabled"): TLS is on for a peer with a trust anchor, certificate or key of
 * its own or from the entry. config-test does not check it; config-set would drop the hooks.
 */
export function peerWithoutTls(dhcp4: KeaDhcp4): KeaHaPeer | undefined {
  const hook = (dhcp4['hooks-libraries'] ?? []).find((candidate) => isHook(candidate, HA_HOOK));
  const ha = (hook?.parameters?.['high-availability'] as KeaHaConfig[] | undefined)?.[0];
  if (!ha) return undefined;
  const hasTls = (entry: object): boolean =>
    TLS_KEYS.some((key) => typeof (entry as Record<string, unknown>)[key] === 'string');
  return ha.peers.find((peer) => /^https:/i.test(peer.url) && !hasTls(peer) && !hasTls(ha));
}

/**
 * Takes the HA hook off. lease_cmds stays: it is harmless alone and other tools may rely on it.
 * Returns whether there was anything to remove.
 */
export function removeHa(dhcp4: KeaDhcp4): boolean {
  const hooks = dhcp4['hooks-libraries'] ?? [];
  const kept = hooks.filter((hook) => !isHook(hook, HA_HOOK));
  dhcp4['hooks-libraries'] = kept;
  return kept.length !== hooks.length;
}

/** The HA relationship configured on a server, if any. */
export function discoverHa(dhcp4: KeaDhcp4): DiscoveredFailover | undefined {
  const hook = (dhcp4['hooks-libraries'] ?? []).find((candidate) => isHook(candidate, HA_HOOK));
  const ha = (hook?.parameters?.['high-availability'] as KeaHaConfig[] | undefined)?.[0];
  if (!ha) {
    return undefined;
  }
  const settings = Object.fromEntries(
    (Object.entries(HA_PARAMETERS) as Array<[HaParameter, string]>)
      .filter(([, key]) => ha[key] !== undefined)
      .map(([name, key]) => [name, ha[key]]),
  );
  return {
    name: ha.peers.map((peer) => peer.name).join('+'),
    mode: ha.mode,
    thisPeer: ha['this-server-name'],
    peers: ha.peers.map((peer) => ({
      name: peer.name,
      role: peer.role,
      url: peer.url,
      autoFailover: peer['auto-failover'] !== false,
    })),
    settings,
  };
}
