/**
 * A real OpenSSH server for tests: `sshd -D -e -f <config>` on a 127.x address and a free port, with a throwaway
 * ed25519 host key and user key made by ssh-keygen, everything (config, keys, authorized_keys, PID file) in a temp
 * directory. Logins are root with the user key; password logins can be switched on, but no password is ever set, so
 * a password login is always refused (which is what a test of refused credentials needs). Stopped by PID.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, nextLoopbackAddress } from './kea-server.js';
import { isAlive, safeKill } from './process-signals.js';

export const SSHD_BIN = process.env['SSHD_BIN'] ?? '/usr/sbin/sshd';
const SSH_KEYGEN_BIN = process.env['SSH_KEYGEN_BIN'] ?? '/usr/bin/ssh-keygen';
const PRIVSEP_DIR = '/run/sshd';

export interface SshdOptions {
  /** Used in the temp directory name. */
  name?: string;
  /** A 127.x.y.z address; default: a fresh one. */
  host?: string;
  /** Accept the password method (every password still fails: none is set). Default false. */
  passwordLogin?: boolean;
  /** Bound on waiting for "Server listening"; default 15 s. */
  startTimeoutMs?: number;
  /** Extra sshd_config lines, e.g. `ForceCommand ...` for a server that runs one program for every session. */
  extraConfig?: string[];
}

export interface Sshd {
  host: string;
  port: number;
  user: string;
  /** OpenSSH private key of the user key (no passphrase). */
  privateKey: string;
  /** `SHA256:...` of the host key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** `SHA256:...` of the user key: a real fingerprint that is not the host's, for mismatch tests. */
  userKeyFingerprint: string;
  dir: string;
  pid: number;
  output(): string;
  /** SIGTERM to sshd and its session processes by PID, SIGKILL after 5 s; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** A private key of its own, with or without a passphrase, and its fingerprint (for tests of refused keys). */
export async function makeKeyPair(
  dir: string,
  name: string,
  passphrase = '',
): Promise<{ privateKey: string; publicKey: string; fingerprint: string; file: string }> {
  const file = path.join(dir, name);
  await run(SSH_KEYGEN_BIN, ['-q', '-t', 'ed25519', '-N', passphrase, '-C', `dfm-test-${name}`, '-f', file]);
  const { stdout } = await run(SSH_KEYGEN_BIN, ['-lf', `${file}.pub`]);
  const fingerprint = /(SHA256:[A-Za-z0-9+/]+)/.exec(stdout)?.[1];
  if (!fingerprint) throw new Error(`no fingerprint in ${stdout}`);
  return {
    file,
    fingerprint,
    privateKey: await readFile(file, 'utf8'),
    publicKey: await readFile(`${file}.pub`, 'utf8'),
  };
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  if (!existsSync(SSHD_BIN)) throw new Error(`${SSHD_BIN} is missing; run scripts/ensure-test-services.sh`);
  const host = options.host ?? nextLoopbackAddress();
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host))
    throw new Error(`sshd host must be in 127/8, got ${host}`);
  // sshd refuses to start without its privilege-separation directory.
  await mkdir(PRIVSEP_DIR, { recursive: true, mode: 0o755 });
  const safeName = (options.name ?? 'sshd').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 20);
  const dir = await mkdtemp(path.join(os.tmpdir(), `sshd-${safeName}-`));
  const hostKey = await makeKeyPair(dir, 'ssh_host_ed25519_key');
  const userKey = await makeKeyPair(dir, 'id_ed25519');
  await writeFile(path.join(dir, 'authorized_keys'), userKey.publicKey, { mode: 0o600 });
  const configPath = path.join(dir, 'sshd_config');
  const pidFile = path.join(dir, 'sshd.pid');
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);

  for (let attempt = 1; ; attempt++) {
    const port = await freePort(host);
    await writeFile(configPath, sshdConfig({ host, port, dir, hostKey: hostKey.file, pidFile, ...options }));
    const child = spawn(SSHD_BIN, ['-D', '-e', '-f', configPath], {
      cwd: dir,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (!child.pid) throw new Error(`could not spawn ${SSHD_BIN}`);
    const pid = child.pid;
    track(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const outcome = await waitFor(() => {
      if (child.exitCode !== null || child.signalCode !== null) return 'exited';
      return output.includes(`Server listening on ${host} port ${port}`) ? 'ready' : undefined;
    }, deadline);
    if (outcome === 'ready') {
      let stopping: Promise<void> | undefined;
      return {
        host,
        port,
        user: 'root',
        privateKey: userKey.privateKey,
        hostKeyFingerprint: hostKey.fingerprint,
        userKeyFingerprint: userKey.fingerprint,
        dir,
        pid,
        output: () => output,
        stop: () => {
          stopping ??= (async () => {
            await stopTree(pid, exited);
            await rm(dir, { recursive: true, force: true });
          })();
          return stopping;
        },
      };
    }
    await stopTree(pid, exited);
    // Another process took the probed port between the probe and sshd's bind: try another one.
    if (outcome === 'exited' && /Address already in use/.test(output) && attempt < 3) continue;
    await rm(dir, { recursive: true, force: true });
    throw new Error(`sshd did not start on ${host}:${port} (${outcome}):\n${output}`);
  }
}

function sshdConfig(o: {
  host: string;
  port: number;
  dir: string;
  hostKey: string;
  pidFile: string;
  passwordLogin?: boolean;
  extraConfig?: string[];
}): string {
  return [
    `ListenAddress ${o.host}:${o.port}`,
    `HostKey ${o.hostKey}`,
    `PidFile ${o.pidFile}`,
    `AuthorizedKeysFile ${path.join(o.dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    `PermitRootLogin ${o.passwordLogin ? 'yes' : 'prohibit-password'}`,
    'PubkeyAuthentication yes',
    `PasswordAuthentication ${o.passwordLogin ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    'PermitEmptyPasswords no',
    // internal-sftp: no dependency on where the distribution puts sftp-server.
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    'PrintMotd no',
    'PrintLastLog no',
    'MaxStartups 100:30:200',
    ...(o.extraConfig ?? []),
    '',
  ].join('\n');
}

/** SIGTERM sshd and the session processes it forked (found by parent PID), SIGKILL what is left after 5 s. */
async function stopTree(pid: number, exited: Promise<void>): Promise<void> {
  const pids = [pid, ...(await descendants(pid))];
  for (const p of pids) safeKill(p, 'SIGTERM');
  const gone = await within(exited, 5_000);
  const alive = pids.filter(isAlive);
  if (!gone || alive.length > 0) {
    for (const p of alive) safeKill(p, 'SIGKILL');
    if (!(await within(exited, 5_000))) throw new Error(`sshd ${pid} survived SIGKILL`);
  }
}

/** Whether `promise` settles within `ms` (the timer is cleared either way, so nothing keeps Jest waiting). */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([promise.then(() => true as const), timeout]);
  clearTimeout(timer);
  return result;
}

async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4 (ppid) follows the command name, which is in parentheses and may contain spaces.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) parents.set(Number(entry), ppid);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

async function waitFor<T>(probe: () => T | undefined, deadline: number): Promise<T | 'timed out'> {
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) return 'timed out';
    await sleep(25);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// sshd processes still alive when the test process exits are killed, so an aborted run leaves none behind.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) if (c.pid) safeKill(c.pid, 'SIGKILL');
    });
  }
}
