import type {
  DiscoveredFailover,
  FailoverChange,
  FailoverOperations,
  FailoverSpec,
  FailoverState,
  ServerTarget,
} from '../driver.js';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import { readConfig, restoreConfig, updateConfig, type ConfigUpdate } from './kea-config-update.js';
import type { KeaControlAgentClient } from './kea-control-agent.client.js';
import { applyHa, discoverHa, haConfigFor, peerWithoutTls, removeHa } from './kea-ha.mapper.js';
import type { KeaDhcp4 } from './kea-config.types.js';
import { withKeaClient } from './kea-client.factory.js';

interface HaServerStatus {
  'ha-mode'?: string;
  'ha-servers'?: {
    local?: { role?: string; scopes?: string[]; state?: string };
    remote?: {
      age?: number;
      'in-touch'?: boolean;
      'last-state'?: string;
      'last-scopes'?: string[];
      'unacked-clients'?: number;
      'communication-interrupted'?: boolean;
      [key: string]: unknown;
    };
  };
}

/** Kea HA (libdhcp_ha.so) as the port's failover operations. */
export class KeaFailover implements FailoverOperations {
  /** Each HA entry lists both peers' agent URLs and the partner's credentials (see haConfigFor). */
  readonly holdsPartnerConnection = true;

  applyFailover(local: 0 | 1, spec: FailoverSpec): Promise<FailoverChange> {
    const side = spec.sides[local];
    // A string names the directory; null (a PATCH withdrawing it) is Debian's; absent keeps where the server has them.
    const given = spec.settings['hooksDirectory'];
    const hooksDirectory = typeof given === 'string' || given === null ? given : undefined;
    return withKeaClient(side.target, async (client) =>
      changeWithUndo(
        side.target,
        client,
        await updateConfig(client, (config) => {
          applyHa(config.Dhcp4, haConfigFor(spec, local), hooksDirectory);
          assertTlsWhereHttps(side.target, config.Dhcp4);
        }),
      ),
    );
  }

  removeFailover(target: ServerTarget): Promise<FailoverChange> {
    return withKeaClient(target, async (client) =>
      changeWithUndo(target, client, await updateConfig(client, (config) => void removeHa(config.Dhcp4))),
    );
  }

  readFailoverState(target: ServerTarget): Promise<FailoverState> {
    return withKeaClient(target, async (client) => {
      const status = await client.expectSuccess<{ 'high-availability'?: HaServerStatus[] }>('status-get');
      const ha = status.arguments?.['high-availability']?.[0];
      if (!ha?.['ha-servers']) {
        throw new DriverError(DriverErrorCode.notFound, `Kea server ${target.name} has no HA configured`);
      }
      const local = ha['ha-servers'].local ?? {};
      const remote = ha['ha-servers'].remote ?? {};
      return {
        state: local.state ?? 'unknown',
        ...(remote['last-state'] ? { partnerState: remote['last-state'] } : {}),
        ...(local.scopes ? { scopesServed: local.scopes } : {}),
        ...(typeof remote['unacked-clients'] === 'number'
          ? { unackedClients: remote['unacked-clients'] }
          : {}),
        ...(typeof remote.age === 'number'
          ? { lastContact: new Date(Date.now() - remote.age * 1000).toISOString() }
          : {}),
        detail: ha as Record<string, unknown>,
      };
    });
  }

  discoverFailover(target: ServerTarget): Promise<DiscoveredFailover[]> {
    return withKeaClient(target, async (client) => {
      const found = discoverHa((await readConfig(client)).Dhcp4);
      return found ? [found] : [];
    });
  }
}

function changeWithUndo(
  target: ServerTarget,
  _client: KeaControlAgentClient,
  update: ConfigUpdate,
): FailoverChange {
  return {
    before: update.before,
    after: update.after,
    changed: update.changed,
    // A fresh client: the one that made the change is closed by the time an undo is needed.
    undo: async () => {
      if (!update.changed) return;
      const previous = update.previous;
      if (!previous) throw new Error('the change kept no previous configuration to undo to');
      await withKeaClient(target, (client) => restoreConfig(client, previous));
    },
  };
}

/**
 * Refuses, before anything is written, an HA entry with a peer at an HTTPS agent URL and no TLS files: Kea 2.2's HA
 * hook refuses it only when config-set loads it (config-test passes), and this service does not write the files.
 */
function assertTlsWhereHttps(target: ServerTarget, dhcp4: KeaDhcp4): void {
  const peer = peerWithoutTls(dhcp4);
  if (!peer) return;
  throw new DriverError(
    DriverErrorCode.unsupported,
    `${peer.name}'s Control Agent is registered at ${peer.url} (HTTPS), and Kea 2.2's HA hook on ${target.name} ` +
      'reaches a partner over HTTPS only with TLS files of its own (trust-anchor, cert-file, key-file in the HA ' +
      'configuration), which this service does not write: register the agents at plain-HTTP URLs for HA, or ' +
      'configure HA with TLS on the servers by hand and adopt it (GET /api/v1/relationships finds it)',
  );
}
