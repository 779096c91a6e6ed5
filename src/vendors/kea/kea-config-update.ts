import { createHash } from 'node:crypto';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import type { KeaControlAgentClient } from './kea-control-agent.client.js';
import type { KeaConfig } from './kea-config.types.js';

/** How often a change is re-read and re-applied when the configuration changes under it. */
export const MAX_CONFIG_ATTEMPTS = 3;

export interface ConfigUpdate {
  /** Digests of the configuration before and after, for the audit trail. */
  before: string;
  after: string;
  /** Whether anything changed (a no-op change is not sent). */
  changed: boolean;
}

export function configDigest(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `config-get` without the fields Kea adds to its answer but refuses in `config-set` (`hash` in later versions). */
export async function readConfig(client: KeaControlAgentClient): Promise<KeaConfig> {
  const answer = await client.expectSuccess<KeaConfig & { hash?: string }>('config-get');
  if (!answer.arguments?.Dhcp4) {
    throw new DriverError(DriverErrorCode.unsupported, 'config-get answered without a Dhcp4 configuration');
  }
  const { hash: _hash, ...config } = answer.arguments;
  return config;
}

/**
 * Read-modify-write of the whole configuration: config-get, change, config-test, check nobody changed it since the
 * read, config-set, config-write. A change that loses a race with an edit made elsewhere is re-done from a fresh
 * read, never applied over the other edit. Callers hold the server's lock, so this service never races itself.
 */
export async function updateConfig(
  client: KeaControlAgentClient,
  mutate: (config: KeaConfig) => void,
): Promise<ConfigUpdate> {
  for (let attempt = 1; attempt <= MAX_CONFIG_ATTEMPTS; attempt++) {
    const current = await readConfig(client);
    const before = configDigest(current);
    const next = structuredClone(current);
    mutate(next);
    const after = configDigest(next);
    if (after === before) {
      return { before, after, changed: false };
    }
    await client.expectSuccess('config-test', next);
    if (configDigest(await readConfig(client)) !== before) {
      continue; // Changed outside this service between our read and now: start again from what is there.
    }
    await client.expectSuccess('config-set', next);
    await client.expectSuccess('config-write');
    return { before, after, changed: true };
  }
  throw new DriverError(
    DriverErrorCode.conflict,
    `The Kea configuration kept changing while this service tried to change it (${MAX_CONFIG_ATTEMPTS} attempts)`,
  );
}
