/**
 * Emulated Windows DHCP servers for tests: one real sshd per server on a 127.x address whose ForceCommand runs the
 * compiled emulator (dist/windows-emulator/main.js, built by `npm run build`) as that server, all servers sharing one
 * state file. Tests reach them exactly as the driver does (ssh2, pinned host key, the contract's invocation) and
 * control them through the state: seed configuration, read it, set faults, read each server's session log.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'ssh2';
import { type Sshd, startSshd } from '../sshd.js';
import { createPair } from './emulator/dhcp-failover-cmdlets.js';
import {
  emptyServer,
  type EstateState,
  type Faults,
  lockEstate,
  type RelationshipState,
  type ReservationState,
  readEstate,
  type ScopeState,
  type ServerState,
  writeEstate,
} from './emulator/dhcp-state.js';
import { type SessionLogLine, sessionLogPath } from './emulator/emulator-session.js';

export const EMULATOR_MAIN = path.resolve('dist/windows-emulator/main.js');
export const POWERSHELL_COMMAND = 'powershell -NoProfile -NonInteractive -Command -';

export interface WindowsServerSpec {
  name: string;
  /** DhcpServer module version Get-Module reports; default 2.0.0.0. */
  moduleVersion?: string;
}

export interface WindowsServer {
  name: string;
  host: string;
  port: number;
  user: string;
  privateKey: string;
  hostKeyFingerprint: string;
  sshd: Sshd;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit status; null when the connection dropped or the process died by a signal. */
  code: number | null;
  signal?: string;
  /** The connection ended without an exit status (a dropped session). */
  dropped: boolean;
}

export interface SeedRelationship {
  name: string;
  /** The server that creates it (the primary). */
  primary: string;
  secondary: string;
  scopeIds: string[];
  mode?: 'LoadBalance' | 'HotStandby';
  serverRole?: 'Active' | 'Standby';
  loadBalancePercent?: number;
  reservePercent?: number;
  maxClientLeadTimeSeconds?: number;
  stateSwitchIntervalSeconds?: number | null;
  sharedSecret?: string | null;
}

export interface WindowsEstate {
  servers: WindowsServer[];
  server(name: string): WindowsServer;
  stateFile: string;
  /** Runs a script on a server the way the driver does: one SSH session, script on stdin, stdin closed. */
  run(name: string, script: string, command?: string): Promise<RunResult>;
  readState(): Promise<EstateState>;
  serverState(name: string): Promise<ServerState>;
  /** Changes the state under the emulator's lock (so never between a session's read and write). */
  update(change: (state: EstateState) => void): Promise<void>;
  seedScope(
    name: string,
    scope: Partial<ScopeState> & { scopeId: string; startRange: string; endRange: string },
  ): Promise<void>;
  seedReservation(
    name: string,
    scopeId: string,
    reservation: Partial<ReservationState> & { ipAddress: string; clientId: string },
  ): Promise<void>;
  seedOption(
    name: string,
    target: { scopeId?: string; reservedIp?: string },
    optionId: number,
    values: string[],
  ): Promise<void>;
  seedRelationship(rel: SeedRelationship): Promise<void>;
  setFaults(name: string, faults: Faults): Promise<void>;
  sessions(name: string): Promise<SessionLogLine[]>;
  stop(): Promise<void>;
}

export async function startWindowsEstate(options: { servers: WindowsServerSpec[] }): Promise<WindowsEstate> {
  if (!existsSync(EMULATOR_MAIN))
    throw new Error(`${EMULATOR_MAIN} is missing: run npm run build:emulator (npm test runs it)`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'windows-estate-'));
  const stateFile = path.join(dir, 'estate.json');
  const state: EstateState = { servers: {} };
  const servers: WindowsServer[] = [];
  try {
    for (const spec of options.servers) {
      if (!/^[A-Za-z0-9-]{1,15}$/.test(spec.name))
        throw new Error(`not a NetBIOS computer name: ${spec.name}`);
      const sshd = await startSshd({
        name: `win-${spec.name}`,
        extraConfig: [
          `ForceCommand exec ${process.execPath} ${EMULATOR_MAIN} --server ${spec.name} --state ${stateFile}`,
        ],
      });
      servers.push({
        name: spec.name,
        host: sshd.host,
        port: sshd.port,
        user: sshd.user,
        privateKey: sshd.privateKey,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
        sshd,
      });
      state.servers[spec.name.toLowerCase()] = {
        ...emptyServer(spec.name, sshd.host),
        ...(spec.moduleVersion ? { moduleVersion: spec.moduleVersion } : {}),
      };
    }
    writeEstate(stateFile, state);
  } catch (error) {
    await Promise.all(servers.map((s) => s.sshd.stop()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const server = (name: string): WindowsServer => {
    const s = servers.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!s) throw new Error(`no emulated server ${name}`);
    return s;
  };
  const update = async (change: (state: EstateState) => void): Promise<void> => {
    const release = await lockEstate(stateFile);
    try {
      const current = readEstate(stateFile);
      change(current);
      writeEstate(stateFile, current);
    } finally {
      release();
    }
  };
  const onServer = (name: string, change: (s: ServerState) => void): Promise<void> =>
    update((st) => {
      const s = st.servers[name.toLowerCase()];
      if (!s) throw new Error(`no emulated server ${name}`);
      change(s);
    });

  return {
    servers,
    server,
    stateFile,
    run: (name, script, command = POWERSHELL_COMMAND) => runOverSsh(server(name), script, command),
    readState: async () => readEstate(stateFile),
    serverState: async (name) => {
      const s = readEstate(stateFile).servers[name.toLowerCase()];
      if (!s) throw new Error(`no emulated server ${name}`);
      return s;
    },
    update,
    seedScope: (name, scope) =>
      onServer(name, (s) => {
        s.scopes[scope.scopeId] = {
          subnetMask: '255.255.255.0',
          name: scope.scopeId,
          description: '',
          state: 'Active',
          type: 'Dhcp',
          leaseDurationSeconds: 8 * 86_400,
          maxBootpClients: 4294967295,
          delayMs: 0,
          exclusions: [],
          reservations: [],
          options: {},
          ...scope,
        };
      }),
    seedReservation: (name, scopeId, reservation) =>
      onServer(name, (s) => {
        const scope = s.scopes[scopeId];
        if (!scope) throw new Error(`no scope ${scopeId} on ${name}`);
        scope.reservations.push({ name: '', description: '', type: 'Both', options: {}, ...reservation });
      }),
    seedOption: (name, target, optionId, values) =>
      onServer(name, (s) => {
        let options = s.serverOptions;
        if (target.scopeId) options = s.scopes[target.scopeId].options;
        if (target.reservedIp)
          options = Object.values(s.scopes)
            .flatMap((sc) => sc.reservations)
            .find((r) => r.ipAddress === target.reservedIp)!.options;
        options[String(optionId)] = values;
      }),
    seedRelationship: (rel) =>
      update((st) => {
        const primary = st.servers[rel.primary.toLowerCase()];
        const secondary = st.servers[rel.secondary.toLowerCase()];
        const hot = rel.mode === 'HotStandby';
        const local: RelationshipState = {
          name: rel.name,
          partnerServer: secondary.name,
          partnerName: secondary.name,
          mode: hot ? 'HotStandby' : 'LoadBalance',
          serverRole: hot ? (rel.serverRole ?? 'Active') : 'Active',
          loadBalancePercent: hot ? 0 : (rel.loadBalancePercent ?? 50),
          reservePercent: hot ? (rel.reservePercent ?? 5) : 0,
          maxClientLeadTimeSeconds: rel.maxClientLeadTimeSeconds ?? 3600,
          autoStateTransition: (rel.stateSwitchIntervalSeconds ?? null) !== null,
          stateSwitchIntervalSeconds: rel.stateSwitchIntervalSeconds ?? null,
          enableAuth: typeof rel.sharedSecret === 'string',
          sharedSecret: rel.sharedSecret ?? null,
          serverType: 'PrimaryServer',
          primaryServerName: primary.name,
          secondaryServerName: secondary.name,
          scopeIds: rel.scopeIds,
          partnerDownDeclared: false,
        };
        createPair(primary, secondary, local);
      }),
    setFaults: (name, faults) => onServer(name, (s) => (s.faults = faults)),
    sessions: async (name) => {
      const file = sessionLogPath(stateFile, name);
      if (!existsSync(file)) return [];
      const text = await readFile(file, 'utf8');
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as SessionLogLine);
    },
    stop: async () => {
      await Promise.all(servers.map((s) => s.sshd.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** ssh2 exec as the driver does it, with the host key pinned; bounded by `timeoutMs`. */
export async function runOverSsh(
  target: { host: string; port: number; user: string; privateKey: string; hostKeyFingerprint: string },
  script: string,
  command = POWERSHELL_COMMAND,
  timeoutMs = 120_000,
): Promise<RunResult> {
  const client = new Client();
  return new Promise<RunResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let exit: { code: number | null; signal?: string } | undefined;
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      if (error) reject(error);
      else
        resolve({
          stdout,
          stderr,
          code: exit?.code ?? null,
          signal: exit?.signal,
          dropped: exit === undefined,
        });
    };
    const timer = setTimeout(
      () => finish(new Error(`ssh ${target.host}:${target.port} timed out`)),
      timeoutMs,
    );
    client.on('error', (error) => finish(error));
    client.on('close', () => finish());
    client.on('ready', () => {
      client.exec(command, (error, channel) => {
        if (error) return finish(error);
        channel.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
        channel.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
        channel.on('exit', (code: number | null, signal?: string) => (exit = { code, signal }));
        channel.on('close', () => finish());
        channel.end(script);
      });
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: target.privateKey,
      readyTimeout: 15_000,
      hostVerifier: (key: Buffer) =>
        `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` ===
        target.hostKeyFingerprint,
    });
  });
}
