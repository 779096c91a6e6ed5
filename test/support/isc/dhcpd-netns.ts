/**
 * Two network namespaces for a pair of real dhcpd processes, made with iproute2 (tests run as root).
 *
 * Why namespaces: dhcpd needs an interface to serve a declared subnet on, and refuses the loopback interface
 * ("Unsupported device type 772 for "lo""), so a pair on 127.x addresses cannot start. Each dhcpd instead gets a
 * namespace of its own (its own UDP 67, failover port 647 and OMAPI port, so nothing collides with the host or with
 * another test), joined to its partner by a veth pair:
 *
 *   namespace A  [pair link 10.77.0.1/24] <=====> [10.77.0.2/24 pair link]  namespace B
 *                [host link 198.18.s.2/30]                  [198.18.s.6/30 host link]
 *                        ||                                            ||
 *   host         [198.18.s.1/30]                                 [198.18.s.5/30]
 *
 * The pair link carries DHCP and the failover protocol (it is the subnet each dhcpd serves). The host links let this
 * process reach each dhcpd's OMAPI port (OMAPI listens on every address of its namespace) without forwarding or
 * bridges. Host-side addresses come from 198.18.0.0/15 (RFC 2544, benchmarking) and are derived from the PID and a
 * counter; interface and namespace names carry the same tag, so parallel test processes do not collide.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { safeKill } from '../../../bench/support/process-signals.js';

export const IP_BIN = process.env['IP_BIN'] ?? '/usr/sbin/ip';

const run = promisify(execFile);

/** The subnet of the pair link, inside the namespaces only (so every pair can use the same one). */
export const PAIR_SUBNET = { network: '10.77.0.0', netmask: '255.255.255.0', prefix: 24 };

export interface NamespaceSide {
  namespace: string;
  /** The interface on the pair link, inside the namespace: dhcpd listens on it. */
  iface: string;
  /** This side's address on the pair link (its failover `address`). */
  address: string;
  /** This side's address on its host link: where this process reaches the namespace (OMAPI). */
  hostReachable: string;
  /** The host end of the host link (in the host's namespace). */
  hostIface: string;
}

export interface DhcpdNetwork {
  tag: string;
  sides: [NamespaceSide, NamespaceSide];
  /** Kills what still runs in the namespaces (by PID), deletes them and the host ends of the links. Idempotent. */
  remove(): Promise<void>;
}

let counter = 0;

/** Creates the two namespaces and three links; retried with another tag if the names or addresses are taken. */
export async function createDhcpdNetwork(): Promise<DhcpdNetwork> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    const n = counter++;
    const tag = `${process.pid.toString(36)}${n.toString(36)}`;
    const slot = ((process.pid % 2048) * 8 + (n % 8)) * 8;
    const network = describe(tag, slot);
    try {
      await build(network);
      return network;
    } catch (error) {
      lastError = error;
      await network.remove();
    }
  }
  throw new Error(
    `could not create network namespaces for a dhcpd pair (root and iproute2 are needed): ${String(lastError)}`,
  );
}

function describe(tag: string, slot: number): DhcpdNetwork {
  const host = (offset: number): string => {
    const value = (198 << 24) + (18 << 16) + slot + offset;
    return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
  };
  const sides: [NamespaceSide, NamespaceSide] = [
    {
      namespace: `dfm-${tag}-a`,
      iface: `d${tag}ab`,
      address: '10.77.0.1',
      hostReachable: host(2),
      hostIface: `d${tag}ha`,
    },
    {
      namespace: `dfm-${tag}-b`,
      iface: `d${tag}ba`,
      address: '10.77.0.2',
      hostReachable: host(6),
      hostIface: `d${tag}hb`,
    },
  ];
  let removing: Promise<void> | undefined;
  return {
    tag,
    sides,
    remove: () => {
      removing ??= removeNetwork(sides);
      return removing;
    },
  };
}

async function build(network: DhcpdNetwork): Promise<void> {
  const [a, b] = network.sides;
  for (const side of network.sides) await ip('netns', 'add', side.namespace);
  await ip('link', 'add', a.iface, 'type', 'veth', 'peer', 'name', b.iface);
  await ip('link', 'set', a.iface, 'netns', a.namespace);
  await ip('link', 'set', b.iface, 'netns', b.namespace);
  const hostAddresses = hostEnds(network);
  for (const [index, side] of network.sides.entries()) {
    const inner = `${side.hostIface}n`;
    await ip('link', 'add', side.hostIface, 'type', 'veth', 'peer', 'name', inner);
    await ip('link', 'set', inner, 'netns', side.namespace);
    await ip('addr', 'add', `${hostAddresses[index]}/30`, 'dev', side.hostIface);
    await ip('link', 'set', side.hostIface, 'up');
    await ip('-n', side.namespace, 'addr', 'add', `${side.address}/${PAIR_SUBNET.prefix}`, 'dev', side.iface);
    await ip('-n', side.namespace, 'addr', 'add', `${side.hostReachable}/30`, 'dev', inner);
    for (const iface of ['lo', side.iface, inner]) await ip('-n', side.namespace, 'link', 'set', iface, 'up');
  }
}

function hostEnds(network: DhcpdNetwork): [string, string] {
  const lower = (address: string): string => {
    const parts = address.split('.').map(Number);
    parts[3] -= 1;
    return parts.join('.');
  };
  return [lower(network.sides[0].hostReachable), lower(network.sides[1].hostReachable)];
}

async function removeNetwork(sides: NamespaceSide[]): Promise<void> {
  for (const side of sides) {
    for (const pid of await namespacePids(side.namespace)) safeKill(pid, 'SIGKILL');
    await ip('netns', 'del', side.namespace).catch(() => undefined);
    // Deleting a namespace destroys its veths, and with them the host ends, but asynchronously: delete them too.
    await ip('link', 'del', side.hostIface).catch(() => undefined);
  }
}

/** PIDs of processes still inside `namespace` (a safety net: the servers are stopped by their own PIDs first). */
async function namespacePids(namespace: string): Promise<number[]> {
  try {
    const { stdout } = await run(IP_BIN, ['netns', 'pids', namespace], { timeout: 10_000 });
    return stdout
      .split('\n')
      .filter((line) => /^\d+$/.test(line.trim()))
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return [];
  }
}

async function ip(...args: string[]): Promise<void> {
  try {
    await run(IP_BIN, args, { timeout: 10_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${IP_BIN} ${args.join(' ')}: ${stderr.trim() || String(error)}`, {
      cause: error,
    });
  }
}

/** Whether `pid` is still running (a zombie has exited: only its parent has not reaped it). */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}
