import type { ServerTarget } from '../driver.js';

export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** How to reach a host over SSH (ISC transport `ssh`, Windows OpenSSH), read from a server's registered connection. */
export interface SshSettings {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
  privateKeyPassphrase?: string;
  /** `SHA256:<base64>` as `ssh-keygen -lf` prints it; a connection to a host presenting another key is refused. */
  hostKeyFingerprint?: string;
  /** Bound on TCP connect + handshake + authentication. */
  connectTimeoutMs: number;
  /** Default bound on one command (or one SFTP operation). */
  commandTimeoutMs: number;
}

/** The SSH settings of a registered server; `defaultUser` where the registration names none. */
export function sshSettingsOf(target: ServerTarget, defaultUser: string): SshSettings {
  const connection = target.connection;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  return {
    host: text(connection['host']) ?? target.address,
    port: typeof connection['port'] === 'number' ? connection['port'] : 22,
    username: text(connection['username']) ?? defaultUser,
    password: target.secrets['password'],
    privateKey: target.secrets['privateKey'],
    privateKeyPassphrase: target.secrets['privateKeyPassphrase'],
    hostKeyFingerprint: text(connection['hostKeyFingerprint']),
    connectTimeoutMs: positive(connection['connectTimeoutMs'], DEFAULT_CONNECT_TIMEOUT_MS),
    commandTimeoutMs: positive(connection['commandTimeoutMs'], DEFAULT_COMMAND_TIMEOUT_MS),
  };
}

export function positive(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** For messages: `ssh admin@10.0.0.5:22`. */
export function sshDescription(settings: Pick<SshSettings, 'username' | 'host' | 'port'>): string {
  return `ssh ${settings.username}@${settings.host}:${settings.port}`;
}
