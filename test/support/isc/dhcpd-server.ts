/**
 * Real ISC dhcpd servers for tests: a failover pair, each dhcpd in a network namespace of its own (see
 * dhcpd-netns.ts for why loopback cannot work), serving the pair link's subnet, with a `failover peer` declaration
 * naming its partner, pools that name the peer, and OMAPI (`omapi-port`, an HMAC-MD5 `omapi-key`) reachable from
 * this process.
 *
 * Every server lives in a temp directory (mkdtemp) holding dhcpd.conf, the leases file, the PID file, dhcpd.log and
 * restart.sh. dhcpd is only ever started by restart.sh, which does what `systemctl restart isc-dhcp-server` does for
 * a real server: stop the running dhcpd by its PID file (TERM, KILL after 5 s), start `dhcpd -4 -f -d -cf <conf>
 * -lf <leases> -pf <pid> <iface>` detached inside the namespace (output appended to dhcpd.log), and wait (at most
 * 15 s) until it reports "Server starting service" or exits. The same line can be registered as a server's
 * `restartCommand`, so the service restarts these servers the way it restarts production ones. `stop()` kills by the
 * PID file's PID, TERM then KILL, bounded.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { IscFailoverPeer } from '../../../src/vendors/isc/conf/isc-peer.mapper.js';
import {
  createDhcpdNetwork,
  type DhcpdNetwork,
  IP_BIN,
  isRunning,
  type NamespaceSide,
  PAIR_SUBNET,
} from './dhcpd-netns.js';
import { safeKill } from '../../../bench/support/process-signals.js';
import { DHCPD_BIN } from './dhcpd-files.js';

export { PAIR_SUBNET } from './dhcpd-netns.js';

const run = promisify(execFile);

/** Every namespace has its own ports, so every server can use the usual ones. */
export const OMAPI_PORT = 7911;
export const FAILOVER_PORT = 647;
/** The pool both partners serve on the pair link. */
export const PAIR_RANGE: [string, string] = ['10.77.0.100', '10.77.0.150'];

export interface OmapiKeySpec {
  name: string;
  /** base64, as dhcpd.conf's `secret` and the registration's `omapiKey`. */
  secret: string;
}

export interface DhcpdConfOptions {
  key: OmapiKeySpec;
  omapiPort?: number;
  /** Without a peer the pool names none (a server before a relationship is created). */
  peer?: IscFailoverPeer;
}

/** A dhcpd.conf for one side: OMAPI with its key, the peer (declared before the pool that names it), the subnet. */
export function dhcpdConf(options: DhcpdConfOptions): string {
  const lines = [
    '# dhcpd.conf of a test server (test/support/isc/dhcpd-server.ts)',
    'authoritative;',
    'default-lease-time 600;',
    'max-lease-time 7200;',
    '',
    `omapi-port ${options.omapiPort ?? OMAPI_PORT};`,
    `key ${options.key.name} {`,
    '  algorithm hmac-md5;',
    `  secret "${options.key.secret}";`,
    '}',
    `omapi-key ${options.key.name};`,
    '',
  ];
  const peer = options.peer;
  if (peer) {
    lines.push(
      `failover peer "${peer.name}" {`,
      `  ${peer.role};`,
      `  address ${peer.address};`,
      `  port ${peer.port};`,
      `  peer address ${peer.peerAddress};`,
      `  peer port ${peer.peerPort};`,
      `  max-response-delay ${peer.maxResponseDelay};`,
      `  max-unacked-updates ${peer.maxUnackedUpdates};`,
      ...(peer.mclt !== undefined ? [`  mclt ${peer.mclt};`] : []),
      ...(peer.split !== undefined ? [`  split ${peer.split};`] : []),
      ...(peer.loadBalanceMaxSeconds !== undefined
        ? [`  load balance max seconds ${peer.loadBalanceMaxSeconds};`]
        : []),
      '}',
      '',
    );
  }
  lines.push(
    `subnet ${PAIR_SUBNET.network} netmask ${PAIR_SUBNET.netmask} {`,
    '  pool {',
    ...(peer ? [`    failover peer "${peer.name}";`] : []),
    `    range ${PAIR_RANGE[0]} ${PAIR_RANGE[1]};`,
    '  }',
    '}',
    '',
  );
  return lines.join('\n');
}

export interface DhcpdServer {
  name: string;
  side: NamespaceSide;
  dir: string;
  configPath: string;
  leasesPath: string;
  pidPath: string;
  logPath: string;
  /** `/bin/sh '<dir>/restart.sh'`: (re)starts this dhcpd; usable as a registration's `restartCommand`. */
  restartCommand: string;
  /** Where this process reaches the server's OMAPI. */
  omapiHost: string;
  omapiPort: number;
  /** Runs the restart command; throws with dhcpd's output when dhcpd does not come up. */
  restart(): Promise<void>;
  /** The running dhcpd's PID, from its PID file. */
  pid(): Promise<number | undefined>;
  /** dhcpd.log: every run's output, each after a `--- start <time> ---` line. */
  output(): Promise<string>;
  /** SIGTERM by PID, SIGKILL after 5 s, bounded; idempotent while stopped. */
  stop(): Promise<void>;
}

/** Writes a server's directory (config, empty leases, restart script) without starting it. */
export async function prepareDhcpdServer(
  name: string,
  side: NamespaceSide,
  conf: string,
): Promise<DhcpdServer> {
  if (!existsSync(DHCPD_BIN)) throw new Error(`${DHCPD_BIN} is missing; run scripts/ensure-test-services.sh`);
  const dir = await mkdtemp(path.join(os.tmpdir(), `dhcpd-${name.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  const configPath = path.join(dir, 'dhcpd.conf');
  const leasesPath = path.join(dir, 'dhcpd.leases');
  const pidPath = path.join(dir, 'dhcpd.pid');
  const logPath = path.join(dir, 'dhcpd.log');
  const script = path.join(dir, 'restart.sh');
  await writeFile(configPath, conf);
  await writeFile(leasesPath, '');
  await writeFile(logPath, '');
  await writeFile(script, restartScript({ dir, side }), { mode: 0o755 });
  const restartCommand = `/bin/sh '${script}'`;
  const pid = async (): Promise<number | undefined> => {
    const text = await readFile(pidPath, 'utf8').catch(() => '');
    const value = Number(text.trim());
    return Number.isInteger(value) && value > 0 ? value : undefined;
  };
  return {
    name,
    side,
    dir,
    configPath,
    leasesPath,
    pidPath,
    logPath,
    restartCommand,
    omapiHost: side.hostReachable,
    omapiPort: OMAPI_PORT,
    pid,
    output: () => readFile(logPath, 'utf8').catch(() => ''),
    restart: async () => {
      try {
        await run('/bin/sh', [script], { timeout: 40_000 });
      } catch (error) {
        const { stderr, stdout } = error as { stderr?: string; stdout?: string };
        throw new Error(`dhcpd ${name} did not start:\n${stdout ?? ''}${stderr ?? String(error)}`, {
          cause: error,
        });
      }
    },
    stop: async () => {
      const running = await pid();
      if (running === undefined) return;
      await stopPid(running, `dhcpd ${name}`);
      await rm(pidPath, { force: true });
    },
  };
}

/** SIGTERM, then SIGKILL after 5 s; waits (bounded) until the process is gone or a zombie. */
async function stopPid(pid: number, what: string): Promise<void> {
  if (!(await isRunning(pid))) return;
  safeKill(pid, 'SIGTERM');
  if (await exitsWithin(pid, 5_000)) return;
  safeKill(pid, 'SIGKILL');
  if (!(await exitsWithin(pid, 5_000))) throw new Error(`${what} (${pid}) survived SIGKILL`);
}

async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await isRunning(pid))) return true;
    await sleep(100);
  }
  return !(await isRunning(pid));
}

function restartScript(o: { dir: string; side: NamespaceSide }): string {
  const q = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh
# Restarts this test dhcpd inside network namespace ${o.side.namespace}, as a service manager would: stop the running
# dhcpd by its PID file (TERM, KILL after 5 s), start a new one detached (foreground mode, output appended to
# dhcpd.log), and wait at most 15 s until it serves or exits. Exit code 0 when it serves.
dir=${q(o.dir)}
ns=${q(o.side.namespace)}
iface=${q(o.side.iface)}
dhcpd=${q(DHCPD_BIN)}
ip=${q(IP_BIN)}
pidfile="$dir/dhcpd.pid"
log="$dir/dhcpd.log"

# A PID runs when /proc has it and it is not a zombie (state Z or X after the ") " that ends the command name).
running() {
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^[ZX]'
}

if [ -s "$pidfile" ]; then
  old=$(cat "$pidfile")
  if running "$old"; then
    kill -TERM "$old" 2>/dev/null
    i=0; while running "$old" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if running "$old"; then
      kill -KILL "$old" 2>/dev/null
      i=0; while running "$old" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    fi
    if running "$old"; then echo "dhcpd $old survived SIGKILL" >&2; exit 1; fi
  fi
  rm -f "$pidfile"
fi

start=$(($(wc -c < "$log") + 1))
echo "--- start $(date -u +%Y-%m-%dT%H:%M:%SZ) ---" >> "$log"
setsid "$ip" netns exec "$ns" "$dhcpd" -4 -f -d -cf "$dir/dhcpd.conf" -lf "$dir/dhcpd.leases" -pf "$pidfile" \\
  "$iface" >> "$log" 2>&1 < /dev/null &
child=$!
i=0
while [ $i -lt 150 ]; do
  if tail -c "+$start" "$log" | grep -q 'Server starting service'; then echo "dhcpd $child serving"; exit 0; fi
  if ! running "$child"; then tail -c "+$start" "$log" >&2; exit 1; fi
  sleep 0.1; i=$((i + 1))
done
kill -KILL "$child" 2>/dev/null
tail -c "+$start" "$log" >&2
echo "dhcpd did not start within 15 s" >&2
exit 1
`;
}

export interface DhcpdPairOptions {
  /** Used in the temp directory names. */
  name?: string;
  /** The failover peer's name on both servers. Default `dfm-pair`. */
  peerName?: string;
  /** Declare the failover peers (default). Without, each server serves the pool alone, as before a relationship. */
  withPeers?: boolean;
  mclt?: number;
  split?: number;
  loadBalanceMaxSeconds?: number;
  maxResponseDelay?: number;
  maxUnackedUpdates?: number;
}

export interface DhcpdPair {
  network: DhcpdNetwork;
  primary: DhcpdServer;
  secondary: DhcpdServer;
  peerName: string;
  /** The OMAPI key both servers hold. */
  key: OmapiKeySpec;
  /** The peer declaration of one side (what a relationship between the two would write there). */
  peer(role: 'primary' | 'secondary'): IscFailoverPeer;
  /** Both servers' dhcpd.log, labelled. */
  output(): Promise<string>;
  /** Stops both by PID, removes the namespaces and the temp directories. Idempotent. */
  stop(): Promise<void>;
}

/** Starts two dhcpd in two namespaces, primary on side A and secondary on side B, and waits until both serve. */
export async function startDhcpdPair(options: DhcpdPairOptions = {}): Promise<DhcpdPair> {
  const name = options.name ?? 'pair';
  const peerName = options.peerName ?? 'dfm-pair';
  const key: OmapiKeySpec = { name: 'omapi_key', secret: randomBytes(16).toString('base64') };
  const network = await createDhcpdNetwork();
  const [a, b] = network.sides;
  const peer = (role: 'primary' | 'secondary'): IscFailoverPeer => {
    const [self, partner] = role === 'primary' ? [a, b] : [b, a];
    return {
      name: peerName,
      role,
      address: self.address,
      port: FAILOVER_PORT,
      peerAddress: partner.address,
      peerPort: FAILOVER_PORT,
      maxResponseDelay: options.maxResponseDelay ?? 30,
      maxUnackedUpdates: options.maxUnackedUpdates ?? 10,
      ...(role === 'primary' ? { mclt: options.mclt ?? 60, split: options.split ?? 128 } : {}),
      loadBalanceMaxSeconds: options.loadBalanceMaxSeconds ?? 3,
    };
  };
  const servers: DhcpdServer[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const errors: unknown[] = [];
      for (const server of servers) await server.stop().catch((error: unknown) => errors.push(error));
      await network.remove();
      for (const server of servers) await rm(server.dir, { recursive: true, force: true });
      if (errors.length > 0) throw new Error(`stopping the dhcpd pair: ${errors.map(String).join('; ')}`);
    })();
    return stopping;
  };
  try {
    for (const [role, side] of [
      ['primary', a],
      ['secondary', b],
    ] as const) {
      const conf = dhcpdConf({ key, ...(options.withPeers === false ? {} : { peer: peer(role) }) });
      servers.push(await prepareDhcpdServer(`${name}-${role}`, side, conf));
    }
    await Promise.all(servers.map((server) => server.restart()));
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  const [primary, secondary] = servers;
  return {
    network,
    primary,
    secondary,
    peerName,
    key,
    peer,
    output: async () =>
      `[primary]\n${await primary.output()}\n[secondary]\n${await secondary.output()}`.trimEnd(),
    stop,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
