import { DriverError, DriverErrorCode } from '../driver-error.js';
import { JsonText, type KeaControlAgentClient, shortDigest } from './kea-control-agent.client.js';
import type { KeaConfig } from './kea-config.types.js';

/** How often a change is re-read and re-applied when the configuration changes under it. */
export const MAX_CONFIG_ATTEMPTS = 3;

export interface ConfigUpdate {
  /** Digests for the audit trail: of the configuration as Kea printed it when read, and of the one sent. */
  before: string;
  after: string;
  /** Whether anything changed (a no-op change is not sent). */
  changed: boolean;
  /** The configuration as it was before, for an undo (absent when the caller said it needs none). */
  previous?: KeaConfig;
}

/** A configuration read together with the reload mark taken just before it: the base of a later change. */
export interface ConfigSnapshot {
  mark: ReloadMark | undefined;
  config: KeaConfig;
  /** Digest of config-get's answer as Kea printed it (cheap: no re-serialization). */
  digest: string;
}

export interface UpdateOptions {
  /** A snapshot read under the same lock (e.g. for a diff) to change instead of reading the configuration again. */
  base?: ConfigSnapshot;
  /** Whether the caller needs `previous` (an undo); without, the read configuration is changed in place (no copy). */
  keepPrevious?: boolean;
  /** See WriteContext.beforeCommit: awaited after config-test, before the race check and config-set. */
  beforeCommit?: () => Promise<void>;
}

/** status-get then config-get: the configuration and the mark that tells later whether it was replaced since. */
export async function readSnapshot(client: KeaControlAgentClient): Promise<ConfigSnapshot> {
  const mark = await reloadMark(client);
  return { mark, ...(await readConfigAnswer(client)) };
}

export function configDigest(config: unknown): string {
  return shortDigest(canonicalJson(config));
}

/**
 * JSON with every object's keys sorted. Plain JSON data (what config-get answers, and what the mappers build) goes
 * through the native serializer with a replacer that sorts keys, objects already sorted (as Kea prints them) passing
 * as they are: about twice as fast on a large configuration. Anything else (undefined, functions, toJSON, class
 * instances, integer-like keys the engine would put first, cycles) makes it give up, and the generic version runs
 * instead, with its own outcome. Both produce the same text.
 */
function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(value, sortedKeys);
  } catch {
    return genericCanonicalJson(value);
  }
}

const NOT_PLAIN_JSON = new Error('not plain JSON');

function sortedKeys(this: unknown, key: string, value: unknown): unknown {
  // The replacer sees what toJSON returned: a value that has one is not plain JSON.
  if (!Object.is((this as Record<string, unknown>)[key], value)) throw NOT_PLAIN_JSON;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object') throw NOT_PLAIN_JSON; // undefined, function, symbol, bigint
  if (value === null || Array.isArray(value)) return value;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw NOT_PLAIN_JSON;
  const keys = Object.keys(value);
  if (keys.every((item, index) => index === 0 || keys[index - 1] < item)) return value;
  keys.sort();
  const sorted: Record<string, unknown> = {};
  for (const item of keys) sorted[item] = (value as Record<string, unknown>)[item];
  // Integer-like keys are enumerated first whatever the insertion order: the generic version handles those.
  if (Object.keys(sorted).some((item, index) => item !== keys[index])) throw NOT_PLAIN_JSON;
  return sorted;
}

function genericCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(genericCanonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${genericCanonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `config-get` without the fields Kea adds to its answer but refuses in `config-set` (`hash` in later versions). */
export async function readConfig(client: KeaControlAgentClient): Promise<KeaConfig> {
  return (await readConfigAnswer(client)).config;
}

async function readConfigAnswer(
  client: KeaControlAgentClient,
): Promise<{ config: KeaConfig; digest: string }> {
  const answer = await client.expectSuccess<KeaConfig & { hash?: string }>('config-get');
  if (!answer.arguments?.Dhcp4) {
    throw new DriverError(DriverErrorCode.unsupported, 'config-get answered without a Dhcp4 configuration');
  }
  const { hash: _hash, ...config } = answer.arguments;
  return { config, digest: answer.digest ?? configDigest(config) };
}

/** When the daemon last (re)loaded its configuration, as `status-get` tells it. */
export interface ReloadMark {
  pid: number;
  /** Seconds since the last config-set or reload. */
  reload: number;
  /**
   * When that was, in seconds of the daemon's uptime (`uptime - reload`): both come from the daemon's one clock in
   * one answer, so this stays put until the next config-set or reload.
   */
  reloadedAt: number;
}

async function reloadMark(client: KeaControlAgentClient): Promise<ReloadMark | undefined> {
  const answer = await client.command<{ pid?: number; reload?: number; uptime?: number }>('status-get');
  const { pid, reload, uptime } = answer.arguments ?? {};
  if (
    answer.result !== 0 ||
    typeof pid !== 'number' ||
    typeof reload !== 'number' ||
    typeof uptime !== 'number'
  ) {
    return undefined;
  }
  return { pid, reload, reloadedAt: uptime - reload };
}

/**
 * Whether the configuration may have been replaced between two marks: a config-set or reload (or a restart) moves
 * `reloadedAt`. Kea truncates `uptime` and `reload` to whole seconds separately, so their difference wobbles by one
 * second between two answers with nothing reloaded. A reload after the first mark, which came at least 3 s after
 * the previous reload, moves it by more than 2 s. A first mark closer to a reload cannot be judged (`undefined`).
 */
export function reloadedBetween(first: ReloadMark, second: ReloadMark): boolean | undefined {
  if (first.pid !== second.pid) return true;
  if (first.reload < RELOAD_DECIDABLE_AFTER_S) return undefined;
  return Math.abs(second.reloadedAt - first.reloadedAt) >= 2;
}

/** Seconds after a reload from which a later reload can be told from Kea's rounding (see reloadedBetween). */
export const RELOAD_DECIDABLE_AFTER_S = 3;

/**
 * Read-modify-write of the whole configuration: config-get, change, config-test, check nobody replaced the
 * configuration since the read, config-set, config-write. A change that loses that race to an edit made elsewhere is
 * re-done from a fresh read, never applied over the other edit.
 *
 * The check is cheap: `status-get` before the read and after the test says whether the daemon reloaded in between
 * (config-get of a large configuration costs as much as config-test and config-set together). Only when that cannot
 * tell (the daemon reloaded within the last three seconds, or does not report `reload` and `uptime`) is the
 * configuration read again and compared by digest. Callers hold the server's lock, so this service never races itself.
 */
export async function updateConfig(
  client: KeaControlAgentClient,
  /**
   * Changes the configuration. Returning `true` says it changed (or must be written anyway): it is sent as it is.
   * Returning nothing lets a comparison decide (canonical digests of a copy, so only with `keepPrevious`), and a
   * no-op change sends nothing.
   */
  mutate: (config: KeaConfig) => boolean | void,
  options: UpdateOptions = {},
): Promise<ConfigUpdate> {
  const keepPrevious = options.keepPrevious ?? true;
  let base = options.base;
  for (let attempt = 1; attempt <= MAX_CONFIG_ATTEMPTS; attempt++) {
    // The caller's snapshot serves the first attempt only; a lost race starts again from a fresh read.
    const { mark, config, digest: before } = base ?? (await readSnapshot(client));
    base = undefined;
    const next = keepPrevious ? structuredClone(config) : config;
    const previous = keepPrevious ? config : undefined;
    const saysChanged = mutate(next) === true;
    if (!saysChanged && previous && configDigest(previous) === configDigest(next)) {
      return { before, after: before, changed: false, previous };
    }
    const written = new JsonText(JSON.stringify(next));
    await client.expectSuccess('config-test', written);
    await options.beforeCommit?.();
    const check = await reloadMark(client);
    const reloaded = mark && check ? reloadedBetween(mark, check) : undefined;
    const replaced = reloaded ?? (await readConfigAnswer(client)).digest !== before;
    if (replaced) {
      continue; // Changed outside this service between our read and now: start again from what is there.
    }
    try {
      await client.expectSuccess('config-set', written);
    } catch (error) {
      throw await afterFailedSet(client, error, previous);
    }
    try {
      await client.expectSuccess('config-write');
    } catch (error) {
      throw await afterFailedWrite(client, error, previous);
    }
    return { before, after: written.digest, changed: true, ...(previous ? { previous } : {}) };
  }
  throw new DriverError(
    DriverErrorCode.conflict,
    `The Kea configuration kept changing while this service tried to change it (${MAX_CONFIG_ATTEMPTS} attempts)`,
  );
}

/**
 * Kea 2.2 can refuse in config-set what config-test accepted (a hook library that refuses its parameters when it
 * loads), and is then left running without its hook libraries (DHCP4_CONFIG_UNRECOVERABLE_ERROR): HA and lease_cmds
 * gone while the file on disk is unchanged. The configuration read before is set again; the error says whether that
 * worked, and marks the server as possibly changed when it did not. Without the configuration read before (a write
 * that did not keep it: Kea rolls back a failed config-set itself unless a hook library is involved), the error is
 * passed on as it is.
 */
async function afterFailedSet(
  client: KeaControlAgentClient,
  error: unknown,
  previous: KeaConfig | undefined,
): Promise<unknown> {
  if (!(error instanceof DriverError) || !previous) return error;
  try {
    return await setPreviousAgain(client, error, previous);
  } catch (restoreError) {
    return new DriverError(
      error.code,
      `${error.message}; setting the configuration read before again failed too ` +
        `(${(restoreError as Error).message}), so the server may be running without parts of it: check it by hand`,
      error.vendorMessage,
      { cause: error, leftChanged: true },
    );
  }
}

/**
 * config-set took the change and config-write could not save it (a file Kea cannot write): the server runs a change
 * it would lose at its next restart. The configuration read before is set again, which leaves the server as it was
 * (its file was never written); without it (a write that did not keep it), or when that fails too, the error says
 * the server runs the change unsaved and marks it as possibly changed.
 */
async function afterFailedWrite(
  client: KeaControlAgentClient,
  error: unknown,
  previous: KeaConfig | undefined,
): Promise<unknown> {
  if (!(error instanceof DriverError)) return error;
  const unsaved = (why: string): DriverError =>
    new DriverError(
      error.code,
      `${error.message}; the server runs the change without having saved it (${why}), so it is lost at its next ` +
        'restart: check it by hand',
      error.vendorMessage,
      { cause: error, leftChanged: true },
    );
  if (!previous) return unsaved('the configuration read before was not kept');
  try {
    return await setPreviousAgain(client, error, previous);
  } catch (restoreError) {
    return unsaved(
      `setting the configuration read before again failed too: ${(restoreError as Error).message}`,
    );
  }
}

/** Puts back a configuration read earlier (undo of a change whose partner change failed). */
export async function restoreConfig(client: KeaControlAgentClient, config: KeaConfig): Promise<void> {
  await client.expectSuccess('config-test', config);
  await client.expectSuccess('config-set', config);
  await client.expectSuccess('config-write');
}

/** Sets the configuration read before again; `error`, saying so, when that works (a failure is the caller's). */
async function setPreviousAgain(
  client: KeaControlAgentClient,
  error: DriverError,
  previous: KeaConfig,
): Promise<DriverError> {
  await client.expectSuccess('config-set', previous);
  return new DriverError(
    error.code,
    `${error.message} (the configuration read before was set again)`,
    error.vendorMessage,
    {
      cause: error,
    },
  );
}
