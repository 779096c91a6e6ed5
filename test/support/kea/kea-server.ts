/**
 * Test harness for real ISC Kea 2.2 servers. Starting and stopping servers (kea-dhcp4 behind its own
 * kea-ctrl-agent on 127.x, temp dir per server, stopped by PID) lives in bench/support/kea-server.ts, shared with the
 * Kea benchmark, and is re-exported here; this file adds what only the tests use: pairs of servers and HA helpers.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  defaultDhcp4Config,
  freePort,
  keaHookLibrary,
  nextLoopbackAddress,
  startKeaServer,
  type KeaAnswer,
  type KeaAuth,
  type KeaServer,
} from '../../../bench/support/kea-server.js';

export * from '../../../bench/support/kea-server.js';

export interface KeaHaPeerStatus {
  role: string;
  state?: string;
  scopes?: string[];
  'last-state'?: string;
  'last-scopes'?: string[];
  'in-touch'?: boolean;
  age?: number;
  'communication-interrupted'?: boolean;
  'connecting-clients'?: number;
  'unacked-clients'?: number;
  'unacked-clients-left'?: number;
  'analyzed-packets'?: number;
}

export interface KeaStatusGetArguments {
  pid: number;
  uptime: number;
  reload: number;
  'multi-threading-enabled'?: boolean;
  sockets?: { status: string };
  'high-availability'?: Array<{
    'ha-mode': string;
    'ha-servers': { local: KeaHaPeerStatus; remote: KeaHaPeerStatus };
  }>;
}

export interface KeaHeartbeatArguments {
  state: string;
  scopes: string[];
  'date-time': string;
  'unsent-update-count': number;
}

export interface KeaPairOptions {
  /** Names of the two servers; default `server1`, `server2`. The first is primary. */
  names?: [string, string];
  auth?: KeaAuth;
  dhcp4?: Record<string, unknown>;
  /** When given, both servers start with HA already in their config file (instead of adding it via config-set). */
  ha?: KeaHaOptions;
  startTimeoutMs?: number;
}

/** Starts two servers in parallel (stopping both if either fails). */
export async function startKeaPair(options: KeaPairOptions = {}): Promise<[KeaServer, KeaServer]> {
  const names = options.names ?? ['server1', 'server2'];
  const peers = await Promise.all(
    names.map(async (name) => {
      const host = nextLoopbackAddress();
      // The partner's URL goes into each config, so the ports must be fixed before either starts.
      const port = options.ha ? await freePort(host) : undefined;
      return { name, host, port, caUrl: `http://${host}:${port ?? 0}/`, auth: options.auth };
    }),
  );
  const results = await Promise.allSettled(
    peers.map((peer) => {
      let dhcp4 = options.dhcp4 ? structuredClone(options.dhcp4) : defaultDhcp4Config();
      if (options.ha) dhcp4 = withHaHooks(dhcp4, peer.name, [peers[0], peers[1]], options.ha);
      return startKeaServer({
        name: peer.name,
        host: peer.host,
        port: peer.port,
        auth: options.auth,
        dhcp4,
        startTimeoutMs: options.startTimeoutMs,
      });
    }),
  );
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((s) => s.stop()));
    throw failure.reason;
  }
  return [started[0], started[1]];
}

// ---------------------------------------------------------------------------------------------------------------
// High availability

export type KeaHaMode = 'hot-standby' | 'load-balancing';

export interface KeaHaOptions {
  mode: KeaHaMode;
  /** ms; Kea's default is 10000, which makes reaching the HA state take ~30 s. Default here 1000. */
  heartbeatDelay?: number;
  /** ms; default 3000. */
  maxResponseDelay?: number;
  /** ms; default 1000. */
  maxAckDelay?: number;
  /** 0 = go to partner-down as soon as the partner is unreachable for max-response-delay. Default 0. */
  maxUnackedClients?: number;
  /** Default true. */
  syncLeases?: boolean;
  /** Default true. */
  autoFailover?: boolean;
  /** Send each peer's `auth` as basic-auth-user/-password in its peer entry; default true. */
  peerAuth?: boolean;
}

/** What an HA peer entry needs: the partner is reached through its CA URL with its CA credentials. */
export interface KeaHaPeerRef {
  name: string;
  caUrl: string;
  auth?: KeaAuth;
}

const HA_LIBS = ['libdhcp_lease_cmds.so', 'libdhcp_ha.so'];

/**
 * The two `hooks-libraries` entries for `self` in an HA pair. `servers[0]` is the primary, `servers[1]` the standby
 * (hot-standby) or secondary (load-balancing). Each peer's `url` is that peer's Control Agent URL; its
 * `basic-auth-user`/`basic-auth-password` are the credentials that CA requires.
 */
export function haHooksLibraries(
  self: string,
  servers: [KeaHaPeerRef, KeaHaPeerRef],
  options: KeaHaOptions,
): Array<Record<string, unknown>> {
  if (!servers.some((s) => s.name === self)) throw new Error(`${self} is not one of the HA peers`);
  return [
    { library: keaHookLibrary('libdhcp_lease_cmds.so') },
    {
      library: keaHookLibrary('libdhcp_ha.so'),
      parameters: {
        'high-availability': [
          {
            'this-server-name': self,
            mode: options.mode,
            'heartbeat-delay': options.heartbeatDelay ?? 1000,
            'max-response-delay': options.maxResponseDelay ?? 3000,
            'max-ack-delay': options.maxAckDelay ?? 1000,
            'max-unacked-clients': options.maxUnackedClients ?? 0,
            'sync-leases': options.syncLeases ?? true,
            peers: servers.map((peer, index) => ({
              name: peer.name,
              url: peer.caUrl,
              role: index === 0 ? 'primary' : options.mode === 'hot-standby' ? 'standby' : 'secondary',
              'auto-failover': options.autoFailover ?? true,
              ...(peer.auth && options.peerAuth !== false
                ? { 'basic-auth-user': peer.auth.username, 'basic-auth-password': peer.auth.password }
                : {}),
            })),
          },
        ],
      },
    },
  ];
}

/** `dhcp4` with the HA hook libraries for `self` (replacing earlier lease_cmds/ha entries, keeping other hooks). */
export function withHaHooks(
  dhcp4: Record<string, unknown>,
  self: string,
  servers: [KeaHaPeerRef, KeaHaPeerRef],
  options: KeaHaOptions,
): Record<string, unknown> {
  const copy = withoutHaHooks(dhcp4);
  copy['hooks-libraries'] = [
    ...(copy['hooks-libraries'] as unknown[]),
    ...haHooksLibraries(self, servers, options),
  ];
  return copy;
}

/** `dhcp4` without the lease_cmds and HA hook libraries (other hooks kept). */
export function withoutHaHooks(dhcp4: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(dhcp4);
  const hooks = (copy['hooks-libraries'] as Array<{ library: string }> | undefined) ?? [];
  copy['hooks-libraries'] = hooks.filter((hook) => !HA_LIBS.includes(path.basename(hook.library)));
  return copy;
}

export interface KeaReconfigureStep {
  server: string;
  configTest: KeaAnswer;
  configSet: KeaAnswer;
  configWrite: KeaAnswer;
}

/**
 * Reconfigures a running server the way the service does: config-get → change → config-test → config-set →
 * config-write (to the file it was started with). Throws on the first non-zero result.
 */
export async function reconfigure(
  server: KeaServer,
  change: (dhcp4: Record<string, unknown>) => Record<string, unknown>,
): Promise<KeaReconfigureStep> {
  const dhcp4 = change(await server.dhcp4Config());
  const expectOk = (what: string, answer: KeaAnswer): KeaAnswer => {
    if (answer.result !== 0) throw new Error(`${what} on ${server.name} failed: ${JSON.stringify(answer)}`);
    return answer;
  };
  const configTest = expectOk('config-test', await server.command('config-test', { Dhcp4: dhcp4 }));
  const configSet = expectOk('config-set', await server.command('config-set', { Dhcp4: dhcp4 }));
  const configWrite = expectOk('config-write', await server.command('config-write'));
  return { server: server.name, configTest, configSet, configWrite };
}

/** Adds HA to both running servers at runtime (config-set; the hook libraries are loaded by config-set). */
export async function enableHa(
  servers: [KeaServer, KeaServer],
  options: KeaHaOptions,
): Promise<KeaReconfigureStep[]> {
  const steps: KeaReconfigureStep[] = [];
  for (const server of servers) {
    steps.push(await reconfigure(server, (dhcp4) => withHaHooks(dhcp4, server.name, servers, options)));
  }
  return steps;
}

/** Removes HA (and lease_cmds) from both running servers at runtime. */
export async function disableHa(servers: KeaServer[]): Promise<KeaReconfigureStep[]> {
  const steps: KeaReconfigureStep[] = [];
  for (const server of servers) steps.push(await reconfigure(server, withoutHaHooks));
  return steps;
}

/** The local HA state from `status-get`, or undefined when HA is not configured. */
export async function haState(server: KeaServer): Promise<string | undefined> {
  const answer = await server.command<KeaStatusGetArguments>('status-get');
  return answer.arguments?.['high-availability']?.[0]?.['ha-servers'].local.state;
}

/** Polls `status-get` (bounded) until the local HA state is one of `states`; returns that status-get answer. */
export async function waitForHaState(
  server: KeaServer,
  states: string | string[],
  timeoutMs = 20_000,
): Promise<KeaAnswer<KeaStatusGetArguments>> {
  const wanted = Array.isArray(states) ? states : [states];
  const deadline = Date.now() + timeoutMs;
  const seen: string[] = [];
  for (;;) {
    const answer = await server.command<KeaStatusGetArguments>('status-get');
    const state = answer.arguments?.['high-availability']?.[0]?.['ha-servers'].local.state ?? '(no HA)';
    if (seen[seen.length - 1] !== state) seen.push(state);
    if (wanted.includes(state)) return answer;
    if (Date.now() > deadline) {
      throw new Error(
        `${server.name} did not reach HA state ${wanted.join('|')} within ${timeoutMs} ms ` +
          `(states seen: ${seen.join(' → ')}):\n${server.output()}`,
      );
    }
    await sleep(200);
  }
}
