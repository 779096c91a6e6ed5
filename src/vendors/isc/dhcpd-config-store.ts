import { isUtf8 } from 'node:buffer';
import { posix } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import type { ServerTarget } from '../driver.js';
import { redactKeySecrets } from './conf/key-secrets.js';
import { DEFAULT_DHCPD_PATH, validateWithDhcpd } from './dhcpd-validation.js';
import {
  contentDigest,
  type ExecResult,
  type FileStat,
  type HeldSession,
  type IscTransport,
} from './transport/isc-transport.js';

export interface DhcpdConfigStoreOptions {
  /** The main dhcpd.conf; the one `dhcpd -t -cf` checks. */
  configPath: string;
  dhcpdPath: string;
  leasesPath?: string;
  /** Run (through the remote shell) after the files are replaced; absent: nothing is restarted. */
  restartCommand?: string;
  validateTimeoutMs: number;
  restartTimeoutMs: number;
}

export type FileEncoding = 'utf8' | 'latin1';

export interface ConfigFile {
  path: string;
  text: string;
  digest: string;
  /** How `text` was decoded: UTF-8 when the bytes are valid UTF-8, else latin1 (byte for byte), and written back so. */
  encoding: FileEncoding;
}

export interface ConfigSnapshot {
  /** The files read, the main file first. */
  files: Map<string, ConfigFile>;
  /** One digest over every file's path and digest: the configuration's version for the audit trail. */
  digest: string;
  /** Path → digest, ready to pass to {@link DhcpdConfigStore.write}. */
  digests: Map<string, string>;
}

export interface CommandOutcome {
  command: string;
  ok: boolean;
  exitCode: number | null;
  output: string;
  /** Set when the command could not run to its end (timeout, connection lost). */
  error?: string;
}

/** What a caller may hand a write besides the files (see {@link DhcpdConfigStore.write}). */
export interface ConfigWriteHooks {
  /**
   * The files as the caller read them (digests as in `expected`): not transferred again. The last look after the
   * validation (every file held to `expected` by its digest taken on the host, or read where the host cannot tell
   * one) is what keeps an edit made since from being overwritten.
   */
  read?: ReadonlyMap<string, ConfigFile>;
  /**
   * Called once the validation passed and awaited before anything live changes. When it has not settled by then, the
   * last look is taken (again) after it, so that an edit made while it runs is caught too.
   */
  beforeCommit?: () => Promise<void>;
}

export interface ConfigWriteResult {
  /** Combined digests (as {@link ConfigSnapshot.digest}) of every file involved, before and after. */
  before: string;
  after: string;
  /** The files actually replaced (a change equal to the live bytes is skipped). */
  written: Array<{ path: string; before: string | null; after: string; backupPath?: string }>;
  restart?: CommandOutcome;
}

/** The restart after a change failed: the previous files were put back and the restart run again. */
export class DhcpdRestartError extends DriverError {
  constructor(
    message: string,
    readonly restart: CommandOutcome,
    /** The restart after restoring; absent when the restore itself failed. */
    readonly restartAfterRestore: CommandOutcome | undefined,
    readonly restored: boolean,
  ) {
    super(
      DriverErrorCode.invalidConfig,
      message,
      [
        `restart: ${describe(restart)}`,
        restartAfterRestore && `restart after restore: ${describe(restartAfterRestore)}`,
      ]
        .filter(Boolean)
        .join('\n'),
      // Not restored: the new configuration is live, which a caller undoing other servers must not call unchanged.
      { leftChanged: !restored },
    );
    this.name = 'DhcpdRestartError';
  }
}

export const BACKUP_SUFFIX = '.dfm-backup';
const DEFAULT_TIMEOUT_MS = 120_000;

export function dhcpdConfigStoreOptionsOf(target: ServerTarget): DhcpdConfigStoreOptions {
  const connection = target.connection;
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value !== '' ? value : undefined;
  const configPath = text(connection['configPath']);
  if (!configPath) {
    throw new DriverError(DriverErrorCode.unsupported, `server ${target.name} has no configPath registered`);
  }
  return {
    configPath,
    dhcpdPath: text(connection['dhcpdPath']) ?? DEFAULT_DHCPD_PATH,
    leasesPath: text(connection['leasesPath']),
    restartCommand: text(connection['restartCommand']),
    validateTimeoutMs: DEFAULT_TIMEOUT_MS,
    restartTimeoutMs: DEFAULT_TIMEOUT_MS,
  };
}

/**
 * Reads and writes dhcpd's configuration files over any transport. A write is: check nobody changed the files since
 * they were read, write temporary files beside them, validate with the server's own `dhcpd -t`, check again, keep a
 * backup, rename into place (atomic per file), restart; when the restart fails, put the old files back and restart
 * again. Temporary files are removed on every path.
 */
export class DhcpdConfigStore {
  constructor(
    private readonly transport: IscTransport,
    private readonly options: DhcpdConfigStoreOptions,
  ) {}

  /** Reads the main file and `also` (include files found by the parser) in one snapshot. */
  async read(also: readonly string[] = []): Promise<ConfigSnapshot> {
    const files: ConfigFile[] = [];
    for (const path of unique([this.options.configPath, ...also])) files.push(await this.readFile(path));
    return snapshotOf(files);
  }

  /** One file, decoded as {@link read} decodes it (for callers that discover the files as they go, like includes). */
  async readFile(path: string): Promise<ConfigFile> {
    const { data, digest } = await this.transport.readFile(path);
    return { path, ...decode(data), digest };
  }

  /**
   * Replaces the files in `changes` (path → full text) together. `expected` holds the digests the caller read (from
   * {@link read}); a file that differs now is a `conflict` and nothing is written. A changed path absent from
   * `expected`, or mapped to null, is a new file and must not exist yet. See {@link ConfigWriteHooks} for `hooks`.
   */
  async write(
    changes: ReadonlyMap<string, string>,
    expected: ReadonlyMap<string, string | null>,
    hooks: ConfigWriteHooks = {},
  ): Promise<ConfigWriteResult> {
    for (const path of changes.keys()) {
      if (!path.startsWith('/')) throw new TypeError(`not an absolute path: ${path}`);
    }
    // `dhcpd -t`, whose session also takes the last look's digests and then runs the restart: it starts while the
    // files are uploaded.
    this.transport.prepareCommands(1);
    try {
      return await this.replace(changes, expected, hooks);
    } finally {
      this.transport.releasePreparedCommands();
    }
  }

  private async replace(
    changes: ReadonlyMap<string, string>,
    expected: ReadonlyMap<string, string | null>,
    { read = new Map(), beforeCommit }: ConfigWriteHooks,
  ): Promise<ConfigWriteResult> {
    const known = unique([this.options.configPath, ...expected.keys(), ...changes.keys()]);
    const expectations = new Map(
      known.map((path) => [path, expected.has(path) ? expected.get(path)! : null]),
    );
    // The main file is read for validation even when the caller did not read it, but then not held to a digest.
    if (!expected.has(this.options.configPath) && !changes.has(this.options.configPath)) {
      expectations.delete(this.options.configPath);
    }

    const live = await this.readLive(known, expectations, heldBytes(read, expectations));
    const staged = new Map<string, Buffer>();
    for (const [path, text] of changes) {
      const bytes = encode(text, live.get(path)?.encoding ?? 'utf8', path);
      if (!bytes.equals(live.get(path)?.data ?? Buffer.alloc(0)) || !live.has(path)) staged.set(path, bytes);
    }
    // Over every file involved, so `before` equals the snapshot's digest when the caller read the same files.
    const liveDigests = new Map([...live].map(([path, file]) => [path, file.digest]));
    const before = combinedDigest(liveDigests);
    if (staged.size === 0) return { before, after: before, written: [] };

    const token = randomBytes(6).toString('hex');
    const temps = new Map([...staged.keys()].map((path) => [path, `${path}.dfm-tmp-${token}`]));
    const created: string[] = [];
    let held: HeldSession | undefined;
    try {
      for (const [path, bytes] of staged) {
        created.push(temps.get(path)!);
        await this.transport.writeFile(temps.get(path)!, bytes, live.get(path)?.mode ?? 0o644);
      }
      const validated = await this.validate({ known, live, staged, temps, token, created });
      const checked = validated.digests;
      held = validated.held;
      // Last look before replacing: an edit made on the server while we validated is not overwritten. The host's
      // digests taken as `dhcpd -t` finished are that look, unless the commit then had to wait: then they are taken
      // again once it may go ahead, so that they are as fresh as the rename that follows.
      const commit = beforeCommit?.();
      const lastLook = commit && !(await settledNow(commit)) ? true : (checked ?? true);
      await commit;
      const now = await this.readLive(known, expectations, live, lastLook);
      const written: ConfigWriteResult['written'] = [];
      for (const path of staged.keys()) {
        const current = now.get(path);
        if (current) await this.backUp(path, current);
        written.push({
          path,
          before: current?.digest ?? null,
          after: contentDigest(staged.get(path)!),
          backupPath: current ? `${path}${BACKUP_SUFFIX}` : undefined,
        });
      }
      // Included files first and the main file last, so the main file never names content that is not there yet.
      const order = [...staged.keys()].sort(
        (a, b) => Number(a === this.options.configPath) - Number(b === this.options.configPath),
      );
      const replaced: string[] = [];
      try {
        for (const path of order) {
          await this.transport.rename(temps.get(path)!, path);
          replaced.push(path);
        }
      } catch (error) {
        await this.restore(replaced, now, token, created).catch(() => undefined);
        throw error;
      }
      const after = combinedDigest(
        new Map([...liveDigests, ...written.map((file): [string, string] => [file.path, file.after])]),
      );
      const restart = await this.restart(held);
      if (restart && !restart.ok) {
        await this.recoverFromRestart(restart, [...order].reverse(), now, token, created);
      }
      return { before, after, written, restart };
    } finally {
      // Unused (a failure before the restart, or no restart command), its shell ends; used, this does nothing.
      held?.release();
      for (const path of created) await this.transport.remove(path).catch(() => undefined);
    }
  }

  /**
   * Reads every known file (null when absent) and holds it to the expected digest. A file whose bytes are `held`
   * (with the digest expected of it) is not transferred: only its mode is asked for. Without `confirm` it is taken
   * as held, which makes this only an early look; with it, the host's digest of the file (IscTransport.digests, or
   * those `confirm` gives, just taken) must still be the held one, which is as good as reading it. A file the host
   * could not digest is read.
   */
  private async readLive(
    paths: readonly string[],
    expectations: ReadonlyMap<string, string | null>,
    held: ReadonlyMap<string, HeldFile>,
    confirm: boolean | ReadonlyMap<string, string> = false,
  ): Promise<Map<string, LiveFile>> {
    const stats = new Map<string, FileStat | undefined>();
    for (const path of paths) stats.set(path, await this.transport.stat(path));
    const onHost =
      confirm === true
        ? await this.transport.digests(paths.filter((path) => stats.get(path) && held.has(path)))
        : confirm || undefined;
    const live = new Map<string, LiveFile>();
    for (const path of paths) {
      const stat = stats.get(path);
      const known = held.get(path);
      const current = onHost ? onHost.get(path) : expectations.get(path);
      const content =
        stat && known && current === known.digest
          ? known
          : stat
            ? await this.transport.readFile(path).catch(absentWhenNotFound)
            : undefined;
      if (stat && content) {
        live.set(path, { ...content, mode: stat.mode, encoding: detectEncoding(content.data) });
      }
      if (!expectations.has(path)) continue;
      const wanted = expectations.get(path) ?? null;
      const found = live.get(path)?.digest ?? null;
      if (wanted !== found) {
        throw new DriverError(
          DriverErrorCode.conflict,
          `${path} changed on ${this.transport.description} since it was read ` +
            `(expected ${wanted ?? 'no file'}, found ${found ?? 'no file'}); nothing was written`,
        );
      }
    }
    return live;
  }

  /**
   * `dhcpd -t` on the staged main file. When an included file changed, the check runs on copies of every known file
   * whose `include "<path>"` names point at each other's copies, so dhcpd reads the staged include files, not the live
   * ones. (An include is matched by its quoted name: the absolute path, or the path relative to the main file's
   * directory, which is where the parser resolves relative names and where `dhcpd -t` runs.)
   */
  private async validate({
    known,
    live,
    staged,
    temps,
    token,
    created,
  }: StagedWrite): Promise<Pick<ExecResult, 'digests' | 'held'>> {
    const main = this.options.configPath;
    const renames = new Map<string, string>();
    let checkFile = temps.get(main) ?? main;
    if ([...staged.keys()].some((path) => path !== main)) {
      const copies = new Map(known.map((path) => [path, `${path}.dfm-check-${token}`]));
      for (const path of known) {
        const bytes = staged.get(path) ?? live.get(path)?.data;
        if (!bytes) continue;
        let text = bytes.toString('latin1');
        for (const [from, to] of copies) {
          for (const name of includeNames(main, from)) {
            text = text.split(`"${latin1(name)}"`).join(`"${latin1(to)}"`);
          }
        }
        created.push(copies.get(path)!);
        await this.transport.writeFile(copies.get(path)!, Buffer.from(text, 'latin1'), 0o600);
        renames.set(copies.get(path)!, path);
      }
      checkFile = copies.get(main)!;
    }
    for (const [path, temp] of temps) renames.set(temp, path);
    return validateWithDhcpd(
      this.transport,
      {
        dhcpdPath: this.options.dhcpdPath,
        mainPath: main,
        configFile: checkFile,
        leasesPath: this.options.leasesPath,
        timeoutMs: this.options.validateTimeoutMs,
        // The last look's: the live files read before (see replace).
        digestsAfter: [...live.keys()],
        // The restart's shell: the one dhcpd -t ran in, waiting (see replace).
        hold: this.options.restartCommand !== undefined,
      },
      renames,
    );
  }

  /**
   * `<path>.dfm-backup` holds the file about to be replaced: a hard link to it where the host allows (nothing to
   * transfer; the rename then leaves the old bytes under the backup's name only), else a copy of the bytes read.
   */
  private async backUp(path: string, current: LiveFile): Promise<void> {
    const backup = `${path}${BACKUP_SUFFIX}`;
    await this.transport.remove(backup).catch(absentWhenNotFound);
    // A filesystem without hard links (or a server refusing one) gets the copy instead.
    if (await this.transport.link(path, backup).catch(() => false)) return;
    await this.transport.writeFile(backup, current.data, current.mode);
  }

  /** Runs the restart command: in `held` (dhcpd -t's session, kept) when given, else in a session of its own. */
  private async restart(held?: HeldSession): Promise<CommandOutcome | undefined> {
    const command = this.options.restartCommand;
    if (!command) return undefined;
    try {
      const timeout = { timeoutMs: this.options.restartTimeoutMs };
      const result = held ? await held.exec(command, timeout) : await this.transport.exec(command, timeout);
      return outcome(command, result);
    } catch (error) {
      return { command, ok: false, exitCode: null, output: '', error: (error as Error).message };
    }
  }

  /** Puts the previous files back, restarts again, and reports both restarts. */
  private async recoverFromRestart(
    failed: CommandOutcome,
    paths: readonly string[],
    previous: ReadonlyMap<string, LiveFile>,
    token: string,
    created: string[],
  ): Promise<never> {
    try {
      await this.restore(paths, previous, token, created);
    } catch (error) {
      throw new DhcpdRestartError(
        `restart after the change failed (${summary(failed)}) and the previous configuration could not be ` +
          `restored (${(error as Error).message}); the new configuration is live and dhcpd may not be running`,
        failed,
        undefined,
        false,
      );
    }
    const again = await this.restart();
    const second = again!;
    throw new DhcpdRestartError(
      `restart after the change failed (${summary(failed)}); the previous configuration was restored from the ` +
        (second.ok
          ? 'backup and the restart after restoring succeeded'
          : `backup and the restart after restoring failed too (${summary(second)}): dhcpd may not be running`),
      failed,
      second,
      true,
    );
  }

  /** Writes the previous bytes back (temp + rename) and removes files that did not exist before. */
  private async restore(
    paths: readonly string[],
    previous: ReadonlyMap<string, LiveFile>,
    token: string,
    created: string[],
  ): Promise<void> {
    for (const path of paths) {
      const old = previous.get(path);
      if (!old) {
        await this.transport.remove(path).catch(absentWhenNotFound);
        continue;
      }
      const temp = `${path}.dfm-restore-${token}`;
      created.push(temp);
      await this.transport.writeFile(temp, old.data, old.mode);
      await this.transport.rename(temp, path);
    }
  }
}

/** A snapshot of files read one by one with {@link DhcpdConfigStore.readFile}, in the order given. */
export function snapshotOf(files: readonly ConfigFile[]): ConfigSnapshot {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const digests = new Map([...byPath].map(([path, file]) => [path, file.digest]));
  return { files: byPath, digests, digest: combinedDigest(digests) };
}

/** A write's files as staged beside the live ones, for the validation. */
interface StagedWrite {
  known: readonly string[];
  live: ReadonlyMap<string, LiveFile>;
  staged: ReadonlyMap<string, Buffer>;
  temps: ReadonlyMap<string, string>;
  token: string;
  /** Every temporary path made so far; the validation's copies are added, for removal on every path. */
  created: string[];
}

/** A file's bytes as we hold them, and their digest. */
interface HeldFile {
  data: Buffer;
  digest: string;
}

interface LiveFile extends HeldFile {
  mode: number;
  encoding: FileEncoding;
}

/** The bytes of the files the caller read (ConfigWriteHooks.read) as expected of them, which need no transfer. */
function heldBytes(
  read: ReadonlyMap<string, ConfigFile>,
  expectations: ReadonlyMap<string, string | null>,
): Map<string, HeldFile> {
  const held = new Map<string, HeldFile>();
  for (const [path, file] of read) {
    if (expectations.get(path) === file.digest) {
      held.set(path, { data: encode(file.text, file.encoding, path), digest: file.digest });
    }
  }
  return held;
}

function absentWhenNotFound(error: unknown): undefined {
  // Removed between stat and read: the same as absent.
  if (error instanceof DriverError && error.code === DriverErrorCode.notFound) return undefined;
  throw error;
}

function detectEncoding(data: Buffer): FileEncoding {
  // A native check: no text is made just to learn the encoding.
  return isUtf8(data) ? 'utf8' : 'latin1';
}

function decode(data: Buffer): { text: string; encoding: FileEncoding } {
  const encoding = detectEncoding(data);
  // ignoreBOM keeps a byte-order mark in the text, so it is written back too.
  const text =
    encoding === 'utf8'
      ? new TextDecoder('utf-8', { ignoreBOM: true }).decode(data)
      : data.toString('latin1');
  return { text, encoding };
}

function encode(text: string, encoding: FileEncoding, path: string): Buffer {
  if (encoding === 'latin1' && [...text].some((char) => char.charCodeAt(0) > 0xff)) {
    throw new DriverError(
      DriverErrorCode.unsupported,
      `${path} is not UTF-8, and the change holds characters its encoding (latin1) cannot represent`,
    );
  }
  return Buffer.from(text, encoding);
}

/** How an include statement may name `path`: absolutely, or relative to the main file's directory. */
function includeNames(mainPath: string, path: string): string[] {
  const relative = posix.relative(posix.dirname(mainPath), path);
  return relative.startsWith('..') ? [path] : [path, relative, `./${relative}`];
}

/** A path as it appears in file bytes decoded as latin1. */
function latin1(path: string): string {
  return Buffer.from(path, 'utf8').toString('latin1');
}

/** Whether `promise` has settled by the next turn of the event loop (a settled one's reactions all run before it). */
async function settledNow(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  const mark = (): void => {
    settled = true;
  };
  void promise.then(mark, mark);
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

function combinedDigest(digests: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  for (const path of [...digests.keys()].sort()) hash.update(`${path}\0${digests.get(path)}\n`);
  return `sha256:${hash.digest('hex')}`;
}

function unique(paths: readonly string[]): string[] {
  return [...new Set(paths)];
}

function outcome(command: string, result: ExecResult): CommandOutcome {
  const output = redactKeySecrets([result.stderr.trim(), result.stdout.trim()].filter(Boolean).join('\n'));
  return { command, ok: result.exitCode === 0, exitCode: result.exitCode, output };
}

function summary(result: CommandOutcome): string {
  if (result.error) return result.error;
  const firstLine = result.output.split('\n').find((line) => line.trim() !== '');
  return `exit code ${result.exitCode ?? 'none'}${firstLine ? `: ${firstLine}` : ''}`;
}

function describe(result: CommandOutcome): string {
  return `${result.command} → ${result.error ?? `exit code ${result.exitCode ?? 'none'}`}${result.output ? `\n${result.output}` : ''}`;
}
