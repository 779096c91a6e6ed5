import type { ServerTarget } from '../../driver.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS } from './isc-transport.js';

/** How to reach an ISC server's host, read from its registered connection (see IscConnectionDto). */
export type IscTransportSettings = LocalTransportSettings | SshTransportSettings;

export interface LocalTransportSettings {
  transport: 'local';
  commandTimeoutMs: number;
}

export interface SshTransportSettings {
  transport: 'ssh';
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
  /** Default bound on one command or one SFTP operation. */
  commandTimeoutMs: number;
}

export function iscTransportSettingsOf(target: ServerTarget): IscTransportSettings {
  const connection = target.connection;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const positive = (value: unknown, fallback: number): number =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
  const commandTimeoutMs = positive(connection['commandTimeoutMs'], DEFAULT_COMMAND_TIMEOUT_MS);
  if (connection['transport'] === 'local') return { transport: 'local', commandTimeoutMs };
  return {
    transport: 'ssh',
    host: text(connection['host']) ?? target.address,
    port: typeof connection['port'] === 'number' ? connection['port'] : 22,
    // The registry leaves username optional; root is what dhcpd.conf and the restart command usually need.
    username: text(connection['username']) ?? 'root',
    password: target.secrets['password'],
    privateKey: target.secrets['privateKey'],
    privateKeyPassphrase: target.secrets['privateKeyPassphrase'],
    hostKeyFingerprint: text(connection['hostKeyFingerprint']),
    connectTimeoutMs: positive(connection['connectTimeoutMs'], DEFAULT_CONNECT_TIMEOUT_MS),
    commandTimeoutMs,
  };
}
