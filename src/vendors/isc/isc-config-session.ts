import type { ServerTarget } from '../driver.js';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import { changedFiles, loadConf, type ConfSet } from './conf/include-resolver.js';
import { UndefinedOptionError } from './conf/option-edit.js';
import { SharedPoolWriteError } from './conf/isc-pools.js';
import { HostNameClashError } from './conf/isc-reservations.js';
import { DhcpdConfSyntaxError } from './conf/syntax-error.js';
import {
  type ConfigFile,
  type ConfigSnapshot,
  type ConfigWriteHooks,
  type ConfigWriteResult,
  DhcpdConfigStore,
  type DhcpdConfigStoreOptions,
  dhcpdConfigStoreOptionsOf,
  snapshotOf,
} from './dhcpd-config-store.js';
import type { IscTransport } from './transport/isc-transport.js';
import { transportFor, withIscTransport } from './transport/transport-factory.js';

/** dhcpd's configuration as one read: every file parsed, and the digests a write of it is held to. */
export interface IscConfig {
  set: ConfSet;
  snapshot: ConfigSnapshot;
}

export interface IscChange<T> {
  /** What `mutate` returned. */
  result: T;
  /** Combined digests of the files, before and after (equal when nothing changed). */
  before: string;
  after: string;
  /** The files replaced on the server (none when the change left every file as it was). */
  written: ConfigWriteResult['written'];
  restart?: ConfigWriteResult['restart'];
}

/**
 * One operation on one ISC server, over one connection to its host: read the whole configuration (the main file and
 * every include), change the syntax tree, and write back only the files whose text changed, through the validated,
 * digest-checked store (`dhcpd -t`, backup, atomic rename, restart). An edit made on the server since the read is a
 * `conflict` and nothing is written.
 */
export class IscConfigSession {
  readonly options: DhcpdConfigStoreOptions;
  readonly store: DhcpdConfigStore;

  constructor(
    readonly target: ServerTarget,
    readonly transport: IscTransport,
  ) {
    this.options = dhcpdConfigStoreOptionsOf(target);
    this.store = new DhcpdConfigStore(transport, this.options);
  }

  /** Whether the connection still answers (IscTransport.answers); false: the caller opens another. */
  answers(): Promise<boolean> {
    return this.transport.answers();
  }

  /** Releases the connection; idempotent. */
  close(): Promise<void> {
    return this.transport.close();
  }

  /** Reads and parses dhcpd.conf and its includes; a file dhcpd.conf names that cannot be parsed is `invalid-config`. */
  async read(): Promise<IscConfig> {
    const files: ConfigFile[] = [];
    const main = this.options.configPath;
    try {
      const set = await loadConf(main, async (path) => {
        const file = await this.store.readFile(path).catch(async (error: unknown) => {
          throw await unreadableFile(error, this.transport, this.target, path, path === main);
        });
        files.push(file);
        return file.text;
      });
      return { set, snapshot: snapshotOf(files) };
    } catch (error) {
      throw iscConfigError(this.target, error);
    }
  }

  /**
   * Applies `mutate` to `config` (as read by this or an earlier session of the same server) and writes the files it
   * changed, held to the digests of the read. `config` is changed in place and must not be used again.
   * `hooks`: see ConfigWriteHooks (`beforeCommit` is awaited once the new files passed `dhcpd -t`, before anything
   * live is replaced).
   */
  async change<T>(
    config: IscConfig,
    mutate: (set: ConfSet) => T,
    hooks: Omit<ConfigWriteHooks, 'read'> = {},
  ): Promise<IscChange<T>> {
    let result: T;
    try {
      result = mutate(config.set);
    } catch (error) {
      throw iscConfigError(this.target, error);
    }
    const changes = changedFiles(config.set);
    if (changes.size === 0) {
      return { result, before: config.snapshot.digest, after: config.snapshot.digest, written: [] };
    }
    const outcome = await this.store.write(changes, config.snapshot.digests, {
      ...hooks,
      read: config.snapshot.files,
    });
    return {
      result,
      before: outcome.before,
      after: outcome.after,
      written: outcome.written,
      ...(outcome.restart ? { restart: outcome.restart } : {}),
    };
  }
}

/** A session over a new connection to the server's host; the caller closes it. */
export async function openIscConfig(target: ServerTarget): Promise<IscConfigSession> {
  const transport = await transportFor(target);
  try {
    return new IscConfigSession(target, transport);
  } catch (error) {
    await transport.close();
    throw error;
  }
}

/** Runs `run` with a session over one connection to the server's host, closed afterwards. */
export function withIscConfig<T>(
  target: ServerTarget,
  run: (session: IscConfigSession) => Promise<T>,
): Promise<T> {
  return withIscTransport(target, (transport) => run(new IscConfigSession(target, transport)));
}

/**
 * What the mapping layers throw, as the driver's error type: a file we cannot parse (or a declaration we cannot
 * interpret) is `invalid-config` with its file, line and column; an option the server has no definition for is
 * `unsupported`. Anything else is a bug and passes through.
 */
export function iscConfigError(target: ServerTarget, error: unknown): unknown {
  if (error instanceof DriverError) return error;
  if (error instanceof DhcpdConfSyntaxError) {
    return new DriverError(
      DriverErrorCode.invalidConfig,
      `the dhcpd configuration of ${target.name} cannot be read: ${error.message}`,
      undefined,
      { cause: error },
    );
  }
  if (error instanceof UndefinedOptionError) {
    return new DriverError(DriverErrorCode.unsupported, `${target.name}: ${error.message}`, undefined, {
      cause: error,
    });
  }
  if (error instanceof SharedPoolWriteError) {
    return new DriverError(DriverErrorCode.unsupported, `${target.name}: ${error.message}`, undefined, {
      cause: error,
    });
  }
  // dhcpd would reject the name declared twice: a configuration it refuses (a 4xx the caller can act on).
  if (error instanceof RangeError || error instanceof HostNameClashError) {
    return new DriverError(DriverErrorCode.invalidConfig, `${target.name}: ${error.message}`, undefined, {
      cause: error,
    });
  }
  return error;
}

/**
 * Why a configuration file could not be read, said as the registration's or the configuration's mistake where it is
 * one: the file is missing, or the path names something other than a file (SFTP answers a directory read with a bare
 * "Failure", which is not the server being unreachable).
 */
async function unreadableFile(
  error: unknown,
  transport: IscTransport,
  target: ServerTarget,
  path: string,
  isMain: boolean,
): Promise<unknown> {
  if (!(error instanceof DriverError)) return error;
  if (error.code !== DriverErrorCode.notFound) {
    const found = await transport.stat(path).catch(() => undefined);
    if (!found || found.isFile) return error;
    return new DriverError(
      DriverErrorCode.invalidConfig,
      `${path} on ${target.name} is ${found.isDirectory ? 'a directory' : 'not a regular file'}; ` +
        (isMain
          ? 'register the path of dhcpd.conf itself as configPath'
          : 'the dhcpd configuration includes it as a file'),
      error.message,
      { cause: error },
    );
  }
  return new DriverError(
    DriverErrorCode.invalidConfig,
    isMain
      ? `${path} does not exist on ${target.name}; check the registered configPath`
      : `${path}, included by the dhcpd configuration of ${target.name}, does not exist`,
    error.message,
    { cause: error },
  );
}
