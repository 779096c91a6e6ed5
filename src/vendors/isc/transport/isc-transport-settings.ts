import type { ServerTarget } from '../../driver.js';
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  positive,
  type SshSettings,
  sshSettingsOf,
} from '../../ssh/ssh-settings.js';

/** How to reach an ISC server's host, read from its registered connection (see IscConnectionDto). */
export type IscTransportSettings = LocalTransportSettings | SshTransportSettings;

export interface LocalTransportSettings {
  transport: 'local';
  commandTimeoutMs: number;
}

export interface SshTransportSettings extends SshSettings {
  transport: 'ssh';
}

export function iscTransportSettingsOf(target: ServerTarget): IscTransportSettings {
  if (target.connection['transport'] === 'local') {
    return {
      transport: 'local',
      commandTimeoutMs: positive(target.connection['commandTimeoutMs'], DEFAULT_COMMAND_TIMEOUT_MS),
    };
  }
  // The registry leaves username optional; root is what dhcpd.conf and the restart command usually need.
  return { transport: 'ssh', ...sshSettingsOf(target, 'root') };
}
