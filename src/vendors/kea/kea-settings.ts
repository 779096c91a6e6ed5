import type { ServerTarget } from '../driver.js';

/** A Kea server's Control Agent settings, as registered (see KeaConnectionDto). */
export interface KeaSettings {
  url: string;
  username?: string;
  password?: string;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  verifyTls: boolean;
  timeoutMs: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function keaSettingsOf(target: ServerTarget): KeaSettings {
  const connection = target.connection;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  return {
    url: String(connection['url']),
    username: text(connection['username']),
    password: target.secrets['password'],
    caCert: text(connection['caCert']),
    clientCert: text(connection['clientCert']),
    clientKey: target.secrets['clientKey'],
    verifyTls: connection['verifyTls'] !== false,
    timeoutMs: typeof connection['timeoutMs'] === 'number' ? connection['timeoutMs'] : DEFAULT_TIMEOUT_MS,
  };
}
