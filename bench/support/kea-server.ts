/**
 * Real ISC Kea 2.2 servers for tests and benchmarks, reached the way production reaches them: each kea-dhcp4 sits
 * behind its own kea-ctrl-agent (CA) and is driven over HTTP only.
 *
 * Every server gets a temp directory (mkdtemp under os.tmpdir()) holding both config files, the unix control socket,
 * the memfile lease file, and the PID/lock files (KEA_PIDFILE_DIR and KEA_LOCKFILE_DIR point there, so nothing is
 * written to /run/kea, /var/lib/kea or /var/log/kea). Logs go to stdout and are captured (see `output()`). The CA
 * listens on a distinct 127.x.y.z address and a free port; all traffic stays on loopback.
 *
 * This is the process-management part of the Kea harness. It lives under bench/ because `nest build` compiles
 * bench/ but not test/; test/support/kea/kea-server.ts re-exports it and adds the HA helpers the tests use.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { safeKill } from './process-signals.js';

export const KEA_DHCP4_BIN = process.env['KEA_DHCP4_BIN'] ?? '/usr/sbin/kea-dhcp4';
export const KEA_CTRL_AGENT_BIN = process.env['KEA_CTRL_AGENT_BIN'] ?? '/usr/sbin/kea-ctrl-agent';

/** Directory holding libdhcp_ha.so and libdhcp_lease_cmds.so (Debian: /usr/lib/<multiarch>/kea/hooks). */
export const KEA_HOOKS_DIR = process.env['KEA_HOOKS_DIR'] ?? findHooksDir();

export function keaHookLibrary(file: string): string {
  return path.join(KEA_HOOKS_DIR, file);
}

export interface KeaAuth {
  username: string;
  password: string;
}

export interface KeaServerOptions {
  /** Used in the temp directory name, in error messages, and as the default HA server name. */
  name: string;
  /** A 127.x.y.z address for the CA; default: a fresh one per server (derived from the PID and a counter). */
  host?: string;
  /** CA port; default: a free port on `host` (bind port 0, release, retried if the CA then fails to bind). */
  port?: number;
  /** When given, the CA requires HTTP basic auth with exactly these credentials. */
  auth?: KeaAuth;
  /** When given, the CA serves HTTPS (its URL is https://...). */
  tls?: KeaAgentTls;
  /**
   * The Dhcp4 object to start with (default: {@link defaultDhcp4Config}). The harness always sets `control-socket`,
   * and fills in `interfaces-config` (no interfaces), `lease-database` (memfile in the temp dir) and `loggers`
   * (stdout) when they are absent.
   */
  dhcp4?: Record<string, unknown>;
  /** Bound on waiting for `status-get` through the CA to answer result 0; default 20 s. */
  startTimeoutMs?: number;
}

/** One element of the CA's answer array. */
export interface KeaAnswer<A = unknown> {
  result: number;
  text?: string;
  arguments?: A;
}

export interface KeaHttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** `text` parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
}

export interface KeaRequestOptions {
  /** Credentials to send; default the server's own; `null` sends none. */
  auth?: KeaAuth | null;
  /** Default 10 s. */
  timeoutMs?: number;
  /** Default `application/json` (the CA answers 400 without it). */
  contentType?: string | null;
  /** For an https agent: the CA to trust, and a client certificate when the agent requires one. */
  tls?: KeaClientTls;
}

/** PEM material a client uses towards an agent that serves TLS. */
export interface KeaClientTls {
  ca: string;
  cert?: string;
  key?: string;
}

/** The agent serves HTTPS with this certificate (Kea's trust-anchor, cert-file, key-file, cert-required). */
export interface KeaAgentTls {
  /** PEM of the CA that signed the agent's certificate and, with certRequired, the clients'. */
  ca: string;
  cert: string;
  key: string;
  /** Mutual TLS: clients must present a certificate signed by `ca`. */
  certRequired?: boolean;
  /** What the harness itself presents when certRequired. */
  client?: { cert: string; key: string };
}

export interface KeaServer {
  name: string;
  host: string;
  port: number;
  /** `http://host:port/` of this server's Control Agent. */
  caUrl: string;
  auth?: KeaAuth;
  /** The kea-dhcp4 config file (`-c`); `config-write` without a filename writes here. */
  configPath: string;
  caConfigPath: string;
  socketPath: string;
  leaseFile: string;
  dir: string;
  dhcp4Pid: number;
  caPid: number;
  /** Milliseconds from spawning the processes to the first successful `status-get`. */
  startupMs: number;
  /** Everything both processes wrote so far, each line prefixed with `[dhcp4]` or `[ca]`. */
  output(): string;
  /** POSTs `{command, service: ["dhcp4"], arguments}` to the CA and returns the single answer; throws unless HTTP 200. */
  command<A = unknown>(command: string, args?: object, options?: KeaRequestOptions): Promise<KeaAnswer<A>>;
  /** Raw POST of `body` to the CA (no service added, no unwrapping, any HTTP status). */
  request(body: unknown, options?: KeaRequestOptions): Promise<KeaHttpResponse>;
  /** The Dhcp4 object as the running server sees it (`config-get`). */
  dhcp4Config(): Promise<Record<string, unknown>>;
  /** The config file as it is on disk now (e.g. after `config-write`). */
  readConfigFile(): Promise<Record<string, unknown>>;
  /** SIGTERM both processes by PID, SIGKILL after 5 s, then removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** A minimal valid Dhcp4 config: two subnets with pools, options and a reservation. A fresh object each call. */
export function defaultDhcp4Config(): Record<string, unknown> {
  return {
    'valid-lifetime': 3600,
    'renew-timer': 900,
    'rebind-timer': 1800,
    'option-data': [{ name: 'domain-name-servers', data: '192.0.2.53, 192.0.2.54' }],
    subnet4: [
      {
        id: 1,
        subnet: '192.0.2.0/24',
        pools: [{ pool: '192.0.2.100 - 192.0.2.199' }],
        'option-data': [{ name: 'routers', data: '192.0.2.1' }],
        reservations: [
          { 'hw-address': '1a:1b:1c:1d:1e:1f', 'ip-address': '192.0.2.10', hostname: 'printer' },
        ],
      },
      {
        id: 2,
        subnet: '198.51.100.0/24',
        pools: [{ pool: '198.51.100.50 - 198.51.100.99' }],
        'option-data': [{ name: 'routers', data: '198.51.100.1' }],
      },
    ],
  };
}

let addressCounter = 0;

/**
 * A 127.x.y.z address unlikely to be used by another test process: x and y come from the PID, z from a counter.
 * (A collision would only matter if the port collided too, and ports are probed on the address.)
 */
export function nextLoopbackAddress(): string {
  const pid = process.pid;
  const z = 1 + (addressCounter++ % 254);
  return `127.${10 + (pid % 240)}.${Math.floor(pid / 240) % 256}.${z}`;
}

/** Binds port 0 on `host`, releases it and returns the port. */
export async function freePort(host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// Children still alive when the test process exits are killed, so an aborted run leaves no Kea behind.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) if (c.pid) safeKill(c.pid, 'SIGKILL');
    });
  }
}

export async function startKeaServer(options: KeaServerOptions): Promise<KeaServer> {
  assertInstalled();
  const host = options.host ?? nextLoopbackAddress();
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host))
    throw new Error(`Kea host must be in 127.0.0.0/8, got ${host}`);
  const safeName = options.name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 20);
  const dir = await mkdtemp(path.join(os.tmpdir(), `kea-${safeName}-`));
  const paths = {
    configPath: path.join(dir, 'kea-dhcp4.json'),
    caConfigPath: path.join(dir, 'kea-ctrl-agent.json'),
    socketPath: path.join(dir, 'dhcp4.sock'),
    leaseFile: path.join(dir, 'leases4.csv'),
  };
  // sun_path holds 107 bytes; Kea refuses longer socket names.
  if (Buffer.byteLength(paths.socketPath) > 100) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`control socket path too long (${paths.socketPath}); use a shorter TMPDIR`);
  }
  const dhcp4 = completeDhcp4(options.dhcp4 ?? defaultDhcp4Config(), paths);
  await writeFile(paths.configPath, JSON.stringify({ Dhcp4: dhcp4 }, null, 2));

  const log = new OutputLog();
  const env = {
    PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    KEA_PIDFILE_DIR: dir,
    KEA_LOCKFILE_DIR: dir,
  };
  const started = Date.now();
  const dhcp4Proc = spawnLogged(KEA_DHCP4_BIN, ['-c', paths.configPath], dir, env, log, 'dhcp4');
  let ca: SpawnedProcess | undefined;
  const cleanUp = async (): Promise<void> => {
    await Promise.all([stopProcess(dhcp4Proc), ca ? stopProcess(ca) : Promise.resolve()]);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = started + (options.startTimeoutMs ?? 20_000);
  try {
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort(host));
      const caUrl = `${options.tls ? 'https' : 'http'}://${host}:${port}/`;
      await writeFile(
        paths.caConfigPath,
        JSON.stringify(
          caConfig(host, port, paths.socketPath, options.auth, await tlsFiles(dir, options.tls)),
          null,
          2,
        ),
      );
      ca = spawnLogged(KEA_CTRL_AGENT_BIN, ['-c', paths.caConfigPath], dir, env, log, 'ca');
      const outcome = await waitUntilReady(
        caUrl,
        options.auth,
        clientTls(options.tls),
        [dhcp4Proc, ca],
        deadline,
      );
      if (outcome === 'ready') {
        const server = makeServer({
          name: options.name,
          host,
          port,
          caUrl,
          auth: options.auth,
          tls: clientTls(options.tls),
          dir,
          ...paths,
          dhcp4Proc,
          ca,
          log,
          startupMs: Date.now() - started,
        });
        return server;
      }
      // The CA lost the race for the probed port: try another one (only when we chose the port).
      const bindFailed = /Address already in use/i.test(log.text('ca'));
      if (outcome === 'ca-exited' && bindFailed && options.port === undefined && attempt < 3) {
        log.append('harness', `CA could not bind ${caUrl}, retrying with another port`);
        ca = undefined;
        continue;
      }
      throw new Error(`${outcome}`);
    }
  } catch (error) {
    const output = log.all();
    await cleanUp();
    throw new Error(
      `Kea server ${options.name} did not start (${(error as Error).message}) on ${host}:\n${output}`,
      { cause: error },
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

/** POSTs `body` as JSON to a CA URL with a fresh connection (no keep-alive, so nothing lingers after a test). */
export async function postJson(
  url: string,
  body: unknown,
  options: Omit<KeaRequestOptions, 'auth'> & { auth?: KeaAuth | null } = {},
): Promise<KeaHttpResponse> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = {
    'Content-Length': Buffer.byteLength(payload),
    Connection: 'close',
  };
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  if (contentType !== null) headers['Content-Type'] = contentType;
  if (options.auth) {
    const token = Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64');
    headers['Authorization'] = `Basic ${token}`;
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise<KeaHttpResponse>((resolve, reject) => {
    const tls = options.tls ? { ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key } : {};
    const send = url.startsWith('https:') ? https.request : http.request;
    const request = send(url, { method: 'POST', headers, agent: false, ...tls }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, body: parsed });
      });
    });
    request.setTimeout(timeoutMs, () =>
      request.destroy(new Error(`POST ${url} timed out after ${timeoutMs} ms`)),
    );
    request.on('error', reject);
    request.end(payload);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Internals

interface SpawnedProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
  hasExited(): boolean;
}

interface ServerParts {
  name: string;
  host: string;
  port: number;
  caUrl: string;
  auth?: KeaAuth;
  tls?: KeaClientTls;
  dir: string;
  configPath: string;
  caConfigPath: string;
  socketPath: string;
  leaseFile: string;
  dhcp4Proc: SpawnedProcess;
  ca: SpawnedProcess;
  log: OutputLog;
  startupMs: number;
}

function makeServer(parts: ServerParts): KeaServer {
  let stopping: Promise<void> | undefined;
  const request = (body: unknown, options: KeaRequestOptions = {}): Promise<KeaHttpResponse> =>
    postJson(parts.caUrl, body, {
      tls: parts.tls,
      ...options,
      auth: options.auth === undefined ? parts.auth : options.auth,
    });
  const command = async <A = unknown>(
    name: string,
    args?: object,
    options?: KeaRequestOptions,
  ): Promise<KeaAnswer<A>> => {
    const response = await request(
      { command: name, service: ['dhcp4'], ...(args ? { arguments: args } : {}) },
      options,
    );
    if (response.status !== 200) {
      throw new Error(`${name} on ${parts.name}: HTTP ${response.status} ${response.text}`);
    }
    // Forwarded commands answer a list with one element per service.
    const answer: unknown = Array.isArray(response.body) ? response.body[0] : response.body;
    if (!answer || typeof answer !== 'object' || typeof (answer as KeaAnswer).result !== 'number') {
      throw new Error(`${name} on ${parts.name}: unexpected answer ${response.text}`);
    }
    return answer as KeaAnswer<A>;
  };
  return {
    name: parts.name,
    host: parts.host,
    port: parts.port,
    caUrl: parts.caUrl,
    auth: parts.auth,
    configPath: parts.configPath,
    caConfigPath: parts.caConfigPath,
    socketPath: parts.socketPath,
    leaseFile: parts.leaseFile,
    dir: parts.dir,
    dhcp4Pid: parts.dhcp4Proc.pid,
    caPid: parts.ca.pid,
    startupMs: parts.startupMs,
    output: () => parts.log.all(),
    command,
    request,
    dhcp4Config: async () => {
      const answer = await command<{ Dhcp4: Record<string, unknown> }>('config-get');
      if (answer.result !== 0 || !answer.arguments) {
        throw new Error(`config-get on ${parts.name} failed: ${JSON.stringify(answer)}`);
      }
      return answer.arguments.Dhcp4;
    },
    readConfigFile: async () =>
      JSON.parse(await readFile(parts.configPath, 'utf8')) as Record<string, unknown>,
    stop: () => {
      stopping ??= (async () => {
        await Promise.all([stopProcess(parts.ca), stopProcess(parts.dhcp4Proc)]);
        await rm(parts.dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

function completeDhcp4(
  input: Record<string, unknown>,
  paths: { socketPath: string; leaseFile: string },
): Record<string, unknown> {
  const dhcp4 = structuredClone(input);
  dhcp4['control-socket'] = { 'socket-type': 'unix', 'socket-name': paths.socketPath };
  dhcp4['interfaces-config'] ??= { interfaces: [] };
  const leaseDb = dhcp4['lease-database'] as Record<string, unknown> | undefined;
  if (!leaseDb) {
    dhcp4['lease-database'] = { type: 'memfile', persist: true, name: paths.leaseFile, 'lfc-interval': 0 };
  } else if (leaseDb['type'] === 'memfile' && leaseDb['name'] === undefined) {
    leaseDb['name'] = paths.leaseFile;
  }
  dhcp4['loggers'] ??= [
    {
      name: 'kea-dhcp4',
      output_options: [{ output: 'stdout', flush: true }],
      severity: 'INFO',
      debuglevel: 0,
    },
  ];
  return dhcp4;
}

interface TlsFiles {
  'trust-anchor': string;
  'cert-file': string;
  'key-file': string;
  'cert-required': boolean;
}

async function tlsFiles(dir: string, tls: KeaAgentTls | undefined): Promise<TlsFiles | undefined> {
  if (!tls) return undefined;
  const files = { 'trust-anchor': 'ca.pem', 'cert-file': 'agent-cert.pem', 'key-file': 'agent-key.pem' };
  await writeFile(path.join(dir, files['trust-anchor']), tls.ca);
  await writeFile(path.join(dir, files['cert-file']), tls.cert);
  await writeFile(path.join(dir, files['key-file']), tls.key, { mode: 0o600 });
  return {
    'trust-anchor': path.join(dir, files['trust-anchor']),
    'cert-file': path.join(dir, files['cert-file']),
    'key-file': path.join(dir, files['key-file']),
    'cert-required': tls.certRequired === true,
  };
}

function clientTls(tls: KeaAgentTls | undefined): KeaClientTls | undefined {
  return tls ? { ca: tls.ca, ...(tls.client ?? {}) } : undefined;
}

function caConfig(
  host: string,
  port: number,
  socketPath: string,
  auth?: KeaAuth,
  tls?: TlsFiles,
): Record<string, unknown> {
  return {
    'Control-agent': {
      'http-host': host,
      'http-port': port,
      ...(tls ?? {}),
      ...(auth
        ? {
            authentication: {
              type: 'basic',
              realm: 'kea-test',
              clients: [{ user: auth.username, password: auth.password }],
            },
          }
        : {}),
      'control-sockets': { dhcp4: { 'socket-type': 'unix', 'socket-name': socketPath } },
      loggers: [
        {
          name: 'kea-ctrl-agent',
          output_options: [{ output: 'stdout', flush: true }],
          severity: 'INFO',
          debuglevel: 0,
        },
      ],
    },
  };
}

async function waitUntilReady(
  caUrl: string,
  auth: KeaAuth | undefined,
  tls: KeaClientTls | undefined,
  processes: [SpawnedProcess, SpawnedProcess],
  deadline: number,
): Promise<'ready' | 'dhcp4-exited' | 'ca-exited' | 'timed out'> {
  for (;;) {
    if (processes[0].hasExited()) return 'dhcp4-exited';
    if (processes[1].hasExited()) return 'ca-exited';
    try {
      const response = await postJson(
        caUrl,
        { command: 'status-get', service: ['dhcp4'] },
        { auth, tls, timeoutMs: 2_000 },
      );
      const answer: unknown = Array.isArray(response.body) ? response.body[0] : undefined;
      if (response.status === 200 && (answer as KeaAnswer | undefined)?.result === 0) return 'ready';
    } catch {
      // CA not listening yet.
    }
    if (Date.now() > deadline) return 'timed out';
    await sleep(50);
  }
}

function spawnLogged(
  bin: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  log: OutputLog,
  tag: string,
): SpawnedProcess {
  const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!child.pid) throw new Error(`could not spawn ${bin}`);
  track(child);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      log.append(tag, `(process ${child.pid} exited: ${signal ?? `code ${code}`})`);
      resolve();
    });
  });
  child.stdout?.on('data', (chunk: Buffer) => log.write(tag, chunk));
  child.stderr?.on('data', (chunk: Buffer) => log.write(tag, chunk));
  return { child, pid: child.pid, exited: exitPromise, hasExited: () => exited };
}

/** SIGTERM by PID, SIGKILL after `graceMs`; waits (bounded) for the exit. */
async function stopProcess(proc: SpawnedProcess, graceMs = 5_000): Promise<void> {
  if (proc.hasExited()) return;
  safeKill(proc.pid, 'SIGTERM');
  if (await exitsWithin(proc, graceMs)) return;
  safeKill(proc.pid, 'SIGKILL');
  if (!(await exitsWithin(proc, 5_000))) throw new Error(`process ${proc.pid} survived SIGKILL`);
}

async function exitsWithin(proc: SpawnedProcess, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([proc.exited.then(() => true as const), timeout]);
  clearTimeout(timer);
  return result;
}

const MAX_LOG_CHARS = 2_000_000;

/** Line-prefixed capture of several processes' output (tail kept when it grows large). */
class OutputLog {
  private lines: string[] = [];
  private size = 0;
  private partial = new Map<string, string>();

  write(tag: string, chunk: Buffer): void {
    const text = (this.partial.get(tag) ?? '') + chunk.toString('utf8');
    const parts = text.split('\n');
    this.partial.set(tag, parts.pop() ?? '');
    for (const line of parts) this.append(tag, line);
  }

  append(tag: string, line: string): void {
    const entry = `[${tag}] ${line}`;
    this.lines.push(entry);
    this.size += entry.length + 1;
    while (this.size > MAX_LOG_CHARS && this.lines.length > 1) this.size -= this.lines.shift()!.length + 1;
  }

  text(tag: string): string {
    const prefix = `[${tag}] `;
    return this.lines.filter((l) => l.startsWith(prefix)).join('\n') + (this.partial.get(tag) ?? '');
  }

  all(): string {
    const pending = [...this.partial].filter(([, rest]) => rest).map(([tag, rest]) => `[${tag}] ${rest}`);
    return [...this.lines, ...pending].join('\n');
  }
}

function assertInstalled(): void {
  for (const bin of [KEA_DHCP4_BIN, KEA_CTRL_AGENT_BIN]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing; run scripts/ensure-test-services.sh`);
  }
}

function findHooksDir(): string {
  const candidates = ['/usr/lib/kea/hooks', '/usr/lib64/kea/hooks', '/usr/local/lib/kea/hooks'];
  try {
    for (const entry of readdirSync('/usr/lib'))
      candidates.unshift(path.join('/usr/lib', entry, 'kea/hooks'));
  } catch {
    // No /usr/lib: fall through to the fixed candidates.
  }
  return (
    candidates.find((dir) => existsSync(path.join(dir, 'libdhcp_ha.so'))) ?? candidates[candidates.length - 1]
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
