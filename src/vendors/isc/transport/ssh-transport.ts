import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel, SFTPWrapper, Stats } from 'ssh2';
import { DriverError, DriverErrorCode } from '../../driver-error.js';
import { closeSsh, connectSsh, openExec } from '../../ssh/ssh-connect.js';
import { sshDescription } from '../../ssh/ssh-settings.js';
import type { SshTransportSettings } from './isc-transport-settings.js';
import {
  contentDigest,
  type ExecOptions,
  type ExecResult,
  type FileContent,
  type FileStat,
  type HeldSession,
  type IscTransport,
  OUTPUT_GRACE_MS,
  OutputBuffer,
  shellCommandLine,
  shellQuote,
} from './isc-transport.js';
import { commandTimedOut, toDriverError } from '../../transport-errors.js';

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that mean something to the caller. */
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;
const WRITE_CHUNK = 32 * 1024;
/** Bound on the extra channel that kills a timed-out command. */
const KILL_WAIT_MS = 5_000;
/** Bound on the round trip that checks a kept connection before it is used again. */
const ANSWER_WAIT_MS = 5_000;
/**
 * Sessions opened ahead at most: a write needs one (`dhcpd -t`, then the last look's `sha256sum` and, held, the
 * restart in the same shell), a caller may ask for another; OpenSSH allows 10 sessions per connection.
 */
const MAX_PREPARED = 2;
/** Bound on `sha256sum` over a write's files (megabytes, read from the host's page cache). */
const DIGEST_TIMEOUT_MS = 30_000;
/** A line of `sha256sum`'s output: the digest first (after a backslash when the name needed escaping). */
const SHA256SUM_LINE = /^\\?([0-9a-f]{64}) /;
/** Starts the line (with a nonce) that separates a command's output from the digests taken after it (digestsAfter). */
const DIGESTS_MARKER = 'dfm-digests-';
/** Starts the lines (with a nonce) a held session's shell prints once the command is done (ExecOptions.hold). */
const HOLD_MARKER = 'dfm-held-';

/**
 * The ISC transport over one SSH connection (ssh2): SFTP for files, exec for commands. One object is one session:
 * open it with {@link SshTransport.connect} (or {@link withSshSession}), run a batch of operations, close it.
 */
export class SshTransport implements IscTransport {
  readonly kind = 'ssh';
  readonly description: string;
  private sftpSession?: Promise<SFTPWrapper>;
  /** Set when the connection died or an operation had to abandon it; every later call fails with it. */
  private broken?: DriverError;
  private closed = false;
  /** The connection is gone (closed by either side); closing it again would wait for a close that never comes. */
  private ended = false;
  /** Sessions opened ahead of their command ({@link prepareCommands}), oldest first. */
  private prepared: Array<Promise<StandbyShell | undefined>> = [];

  private constructor(
    private readonly client: Client,
    private readonly settings: SshTransportSettings,
  ) {
    this.description = sshDescription(settings);
    client.on('error', (error) => (this.broken ??= toDriverError(error, `${this.description}: connection`)));
    client.on('close', () => {
      this.ended = true;
      this.broken ??= new DriverError(DriverErrorCode.unreachable, `${this.description}: connection closed`);
    });
  }

  /** Connects, verifies the pinned host key and authenticates; every failure is a `DriverError`. */
  static async connect(settings: SshTransportSettings): Promise<SshTransport> {
    return new SshTransport(await connectSsh(settings), settings);
  }

  async readFile(path: string): Promise<FileContent> {
    const sftp = await this.sftp();
    const data = await this.bounded<Buffer>(`read ${path}`, (done) => sftp.readFile(path, done));
    return { data, digest: contentDigest(data) };
  }

  async writeFile(path: string, data: Buffer | string, mode?: number): Promise<void> {
    const sftp = await this.sftp();
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const action = `write ${path}`;
    const handle = await this.bounded<Buffer>(action, (done) =>
      sftp.open(path, 'w', mode === undefined ? {} : { mode }, done),
    );
    try {
      // Every chunk is sent at once (each names its offset; the server applies them in order): one round trip in
      // all instead of one per chunk (6.7 MB: ~20 ms instead of ~60 ms on loopback).
      const chunks: Array<Promise<void>> = [];
      for (let offset = 0; offset < bytes.length; offset += WRITE_CHUNK) {
        const length = Math.min(WRITE_CHUNK, bytes.length - offset);
        chunks.push(
          this.bounded<void>(action, (done) =>
            sftp.write(handle, bytes, offset, length, offset, (error) => done(error)),
          ),
        );
      }
      const failed = (await Promise.allSettled(chunks)).find((chunk) => chunk.status === 'rejected');
      if (failed) throw failed.reason;
      // The server's umask applied at open, and an existing file keeps its old mode: set it explicitly.
      if (mode !== undefined) {
        await this.bounded<void>(action, (done) => sftp.fchmod(handle, mode, (error) => done(error)));
      }
      // Durable before a rename makes it live, where the server offers fsync (OpenSSH does).
      await this.bounded<void>(action, (done) => {
        try {
          sftp.ext_openssh_fsync(handle, (error) => done(error));
        } catch {
          done(undefined);
        }
      });
    } finally {
      await this.bounded<void>(action, (done) => sftp.close(handle, (error) => done(error))).catch(
        () => undefined,
      );
    }
  }

  async rename(from: string, to: string): Promise<void> {
    // Plain SFTP rename refuses an existing target; posix-rename is rename(2), atomic and replacing.
    const renamed = await this.openSshExtension(`rename ${from} to ${to}`, (sftp, done) =>
      sftp.ext_openssh_rename(from, to, done),
    );
    if (renamed) return;
    const result = await this.exec(['mv', '-f', '--', from, to]);
    if (result.exitCode !== 0) {
      throw new DriverError(
        DriverErrorCode.unreachable,
        `${this.description}: rename ${from} to ${to} failed`,
        result.stderr,
      );
    }
  }

  link(existing: string, newPath: string): Promise<boolean> {
    return this.openSshExtension(`link ${existing} to ${newPath}`, (sftp, done) =>
      sftp.ext_openssh_hardlink(existing, newPath, done),
    );
  }

  /** Runs an `@openssh.com` SFTP extension call; false when the server does not offer it (ssh2 throws then). */
  private async openSshExtension(
    action: string,
    call: (sftp: SFTPWrapper, done: (error?: Error | null) => void) => void,
  ): Promise<boolean> {
    const sftp = await this.sftp();
    let supported = true;
    await this.bounded<void>(action, (done) => {
      try {
        call(sftp, (error) => done(error));
      } catch {
        supported = false;
        done(undefined);
      }
    });
    return supported;
  }

  async digests(paths: readonly string[]): Promise<Map<string, string>> {
    if (paths.length === 0) return new Map();
    const result = await this.exec(['sha256sum', '--', ...paths], { timeoutMs: DIGEST_TIMEOUT_MS }).catch(
      (error: unknown) => {
        // A connection that failed fails the reads that follow too; anything else (a timeout) leaves them to tell.
        if (this.broken) throw error;
        return undefined;
      },
    );
    return digestsIn(result?.exitCode === 0 ? result.stdout : '', paths);
  }

  async remove(path: string): Promise<void> {
    const sftp = await this.sftp();
    await this.bounded<void>(`remove ${path}`, (done) => sftp.unlink(path, (error) => done(error)));
  }

  async stat(path: string): Promise<FileStat | undefined> {
    const sftp = await this.sftp();
    try {
      const stats = await this.bounded<Stats>(`stat ${path}`, (done) => sftp.stat(path, done));
      return {
        size: stats.size,
        mode: stats.mode & 0o7777,
        mtimeMs: stats.mtime * 1000,
        isFile: stats.isFile(),
        isDirectory: stats.isDirectory(),
      };
    } catch (error) {
      if (error instanceof DriverError && error.code === DriverErrorCode.notFound) return undefined;
      throw error;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  async exec(command: readonly string[] | string, options: ExecOptions = {}): Promise<ExecResult> {
    this.assertUsable();
    const commandLine = typeof command === 'string' ? command : shellCommandLine(command);
    const after = options.digestsAfter ?? [];
    if (after.length === 0 && !options.hold) {
      return (await this.runLine(commandPart(commandLine, options.cwd), commandLine, options)).result;
    }
    if (options.hold && options.stdin !== undefined) throw new TypeError('a held session takes no input');
    const nonce = randomBytes(6).toString('hex');
    const [digestsMarker, holdMarker] = [`${DIGESTS_MARKER}${nonce}`, `${HOLD_MARKER}${nonce}`];
    // A registered command line runs in a shell of its own, so that nothing in it (a comment, an `exit`) can
    // reach what follows; an argv is quoted words already. Held, it reads nothing: the session's input is ours.
    const first = typeof command === 'string' ? `/bin/sh -c ${shellQuote(commandLine)}` : commandLine;
    const steps = [options.hold ? `${first} </dev/null` : first, 'dfm_rc=$?'];
    if (after.length > 0) {
      steps.push(`echo ${digestsMarker}`, `sha256sum -- ${shellCommandLine(after)} 2>/dev/null`);
    }
    steps.push(
      ...(options.hold
        ? [
            `echo "${holdMarker}:$dfm_rc"`,
            `echo ${holdMarker} >&2`,
            'IFS= read -r dfm_next || exit $dfm_rc',
            'eval "$dfm_next"',
          ]
        : ['exit $dfm_rc']),
    );
    const ran = await this.runLine(
      commandPart(steps.join('; '), options.cwd),
      commandLine,
      options,
      options.hold ? holdMarker : undefined,
    );
    const result = ran.held ? { ...ran.result, held: ran.held } : ran.result;
    if (after.length === 0) return result;
    const at = result.stdout.lastIndexOf(`${digestsMarker}\n`);
    // No marker: the shell never got past the command (it was killed), so nothing was digested.
    if (at < 0) return { ...result, digests: new Map() };
    return {
      ...result,
      stdout: result.stdout.slice(0, at),
      digests: digestsIn(result.stdout.slice(at + digestsMarker.length + 1), after),
    };
  }

  /**
   * Runs a command part (see commandPart) in a prepared session when one is ready, else in a fresh one; with `hold`
   * (the marker its line prints last), keeps the session for one more command when the shell got that far.
   */
  private async runLine(
    line: string,
    commandLine: string,
    options: ExecOptions,
    hold?: string,
  ): Promise<{ result: ExecResult; held?: HeldSession }> {
    // A session opened ahead takes its command as one line of input (see prepareCommands).
    const standby = line.includes('\n') ? undefined : await this.takePrepared();
    let ran: Ran | undefined;
    let channel: ClientChannel | undefined;
    if (standby) {
      ran = await this.run(standby.channel, standby.nonce, commandLine, options, {
        input: `${line}\n`,
        hold,
      });
      channel = standby.channel;
      // Unannounced: its shell ended before it read the command, so nothing ran; a fresh session runs it.
      if (!ran.announced) ran = undefined;
    }
    if (!ran) {
      const nonce = randomBytes(6).toString('hex');
      channel = await this.openExec(`${announcement(nonce)}; ${line}`);
      ran = await this.run(channel, nonce, commandLine, options, { hold });
    }
    return ran.held && channel
      ? { result: ran.result, held: this.heldSession(channel) }
      : { result: ran.result };
  }

  /** A session whose shell waits for one more command line (see exec's `hold`). */
  private heldSession(channel: ClientChannel): HeldSession {
    let done = false;
    let ended = false;
    channel.once('close', () => (ended = true));
    // Between the commands nobody else listens: a failing channel is found out by the next command, not thrown.
    channel.on('error', () => undefined);
    const release = (): void => {
      if (done) return;
      done = true;
      // End of input: the shell's `read` fails and it exits, having run nothing more.
      channel.resume();
      channel.stderr.resume();
      channel.end();
    };
    return {
      release,
      exec: async (commandLine, options = {}) => {
        if (done) throw new Error('this held session was already used or released');
        done = true;
        // A shell that ended meanwhile runs nothing more: a fresh session runs the command. One that ends as the
        // line is sent never announces it (as a prepared one, see runLine): then too.
        if (ended) return this.exec(commandLine, options);
        const nonce = randomBytes(6).toString('hex');
        const next = `${announcement(nonce)}; cd 2>/dev/null; exec /bin/sh -c ${shellQuote(commandLine)}`;
        const ran = await this.run(channel, nonce, commandLine, options, { input: `${next}\n` });
        return ran.announced ? ran.result : this.exec(commandLine, options);
      },
    };
  }

  /**
   * Opens up to `count` sessions (at most {@link MAX_PREPARED}) that wait for a command, for the commands a write is
   * about to run (`dhcpd -t`, the restart): the remote shell's start, login scripts included (130–250 ms on the test
   * hosts, more over a real network), then overlaps the upload and the validation instead of preceding each command.
   * Each shell reads one line and runs nothing until `exec` sends it; {@link releasePreparedCommands} (or closing)
   * ends the unused ones, whose shells then exit having run nothing. Best effort: a session that cannot be opened
   * leaves `exec` to open its own.
   */
  prepareCommands(count: number): void {
    if (!this.reusable) return;
    while (this.prepared.length < Math.min(count, MAX_PREPARED)) {
      const nonce = randomBytes(6).toString('hex');
      this.prepared.push(
        this.openExec(standbyLine(nonce)).then(
          (channel) => new StandbyShell(channel, nonce),
          () => undefined,
        ),
      );
    }
  }

  releasePreparedCommands(): void {
    const prepared = this.prepared;
    this.prepared = [];
    for (const shell of prepared) void shell.then((standby) => standby?.dismiss());
  }

  private async takePrepared(): Promise<StandbyShell | undefined> {
    while (this.prepared.length > 0) {
      const standby = await this.prepared.shift()!;
      if (standby?.usable) return standby;
      standby?.dismiss();
    }
    return undefined;
  }

  /**
   * Runs a command on an open session and collects its result. `input`, when given, is written first: the command
   * line a prepared session waits for. `announced` says whether the session's shell announced its PID, which a
   * prepared one does only once it has read the command. With `hold` (a marker) the result is taken where the shell
   * printed the marker on both streams, and the session stays open (`held`), its input too.
   */
  private run(
    channel: ClientChannel,
    nonce: string,
    commandLine: string,
    options: ExecOptions,
    { input, hold }: RunPhase = {},
  ): Promise<Ran> {
    const timeoutMs = options.timeoutMs ?? this.settings.commandTimeoutMs;
    return new Promise<Ran>((resolve, reject) => {
      const stdout = new OutputBuffer();
      const stderr = new PidAnnouncement(new OutputBuffer(), nonce);
      let exitCode: number | null = null;
      let signal: string | undefined;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        // OpenSSH refuses the signal request for some sessions (root logins among them), so the process group the
        // remote shell announced is killed through a second channel as well; then the channel is dropped.
        try {
          channel.signal('KILL');
        } catch {
          // The channel is already closing.
        }
        const pid = stderr.pid;
        const killed =
          pid === undefined
            ? Promise.resolve()
            : this.openExec(`kill -KILL -- -${pid} 2>/dev/null || kill -KILL ${pid}`).then(
                (killer) =>
                  new Promise<void>((done) => {
                    const bound = setTimeout(done, KILL_WAIT_MS);
                    killer.on('close', () => {
                      clearTimeout(bound);
                      done();
                    });
                    // A channel closes only once its output has been consumed.
                    killer.resume();
                    killer.stderr.resume();
                    killer.end();
                  }),
              );
        void killed
          .catch(() => undefined)
          .finally(() => {
            channel.close();
            reject(commandTimedOut(this.description, commandLine, timeoutMs));
          });
      }, timeoutMs);
      // Held: the command's result is taken where its shell printed the marker last on both streams, and the
      // session stays for the next phase (whose output is the next run's).
      const marks = hold === undefined ? undefined : new HoldMarks(hold);
      const held = (): void => {
        const code = marks?.exitCode();
        if (code === undefined || timedOut) return;
        clearTimeout(timer);
        detach();
        const result = {
          exitCode: code,
          stdout: beforeLast(stdout.text(), `${hold}:`),
          stderr: beforeLast(stderr.text(), `${hold}\n`),
        };
        resolve({ result, announced: stderr.pid !== undefined, held: true });
      };
      const onData = (chunk: Buffer): void => {
        stdout.push(chunk);
        if (marks?.out(chunk)) held();
      };
      const onErrData = (chunk: Buffer): void => {
        stderr.push(chunk);
        if (marks?.err(chunk)) held();
      };
      channel.on('data', onData);
      channel.stderr.on('data', onErrData);
      let grace: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        clearTimeout(grace);
        // After a timeout the kill makes the command exit; the rejection is the answer.
        if (timedOut) return;
        const result = { exitCode, signal, stdout: stdout.text(), stderr: stderr.text() };
        resolve({ result, announced: stderr.pid !== undefined, held: false });
      };
      const onExit = (code: number | null, signalName?: string): void => {
        if (timedOut) return;
        exitCode = code;
        signal = signalName ?? undefined;
        // A daemon the command started may hold the channel open: take what arrived shortly after the exit.
        clearTimeout(timer);
        grace = setTimeout(() => {
          channel.close();
          finish();
        }, OUTPUT_GRACE_MS);
      };
      const onError = (error: Error): void => {
        clearTimeout(timer);
        reject(toDriverError(error, `${this.description}: exec`));
      };
      // Taken off once a held session's command has its answer: the next command listens afresh. (The error
      // listener stays: it can only reject what is settled.)
      const detach = (): void => {
        channel.off('data', onData);
        channel.stderr.off('data', onErrData);
        channel.off('exit', onExit);
        channel.off('close', finish);
      };
      channel.on('exit', onExit);
      channel.on('close', finish);
      channel.on('error', onError);
      const stdin = options.stdin === undefined ? undefined : Buffer.from(options.stdin);
      const head = input === undefined ? undefined : Buffer.from(input, 'utf8');
      const given = head && stdin ? Buffer.concat([head, stdin]) : (head ?? stdin);
      // A held session's input stays open for the next command line.
      if (hold === undefined) channel.end(given);
      else if (given) channel.write(given);
    });
  }

  /** Whether the connection can serve another operation: not closed, and nothing failed on it. */
  get reusable(): boolean {
    return !this.closed && !this.ended && this.broken === undefined;
  }

  /**
   * Whether the connection still answers: one SFTP round trip, bounded by {@link ANSWER_WAIT_MS} (a connection whose
   * peer vanished without closing it would otherwise hold the caller for the whole command timeout).
   */
  async answers(): Promise<boolean> {
    if (!this.reusable) return false;
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        this.broken ??= new DriverError(DriverErrorCode.unreachable, `${this.description}: no answer`);
        this.client.destroy();
        resolve(false);
      }, ANSWER_WAIT_MS);
    });
    const answered = this.stat('.').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([answered, silent]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.releasePreparedCommands();
    this.closed = true;
    this.broken ??= new DriverError(DriverErrorCode.unreachable, `${this.description}: session closed`);
    if (!this.ended) await closeSsh(this.client);
  }

  private openExec(line: string): Promise<ClientChannel> {
    return openExec(this.client, line, this.description);
  }

  private assertUsable(): void {
    if (this.broken) throw this.broken;
  }

  private sftp(): Promise<SFTPWrapper> {
    this.assertUsable();
    this.sftpSession ??= this.bounded<SFTPWrapper>('open SFTP', (done) => this.client.sftp(done));
    // A failed start is not cached: a later call may succeed (e.g. after MaxSessions frees up).
    this.sftpSession.catch(() => (this.sftpSession = undefined));
    return this.sftpSession;
  }

  /**
   * Runs one callback-style ssh2 call under the command timeout. When it does not answer in time the connection is
   * abandoned (its state is unknown) and later calls fail fast.
   */
  private bounded<T>(
    action: string,
    start: (done: (error: Error | null | undefined, value?: T) => void) => void,
  ) {
    this.assertUsable();
    const timeoutMs = this.settings.commandTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new DriverError(
          DriverErrorCode.unreachable,
          `${this.description}: ${action} got no answer within ${timeoutMs} ms`,
        );
        this.broken ??= error;
        this.client.destroy();
        reject(error);
      }, timeoutMs);
      try {
        start((error, value) => {
          clearTimeout(timer);
          if (error) reject(sftpError(error, `${this.description}: ${action}`));
          else resolve(value as T);
        });
      } catch (error) {
        clearTimeout(timer);
        reject(sftpError(error, `${this.description}: ${action}`));
      }
    });
  }
}

/** Connects, runs `run` with the session, and closes it whatever happens. */
export async function withSshSession<T>(
  settings: SshTransportSettings,
  run: (transport: SshTransport) => Promise<T>,
): Promise<T> {
  const transport = await SshTransport.connect(settings);
  try {
    return await run(transport);
  } finally {
    await transport.close();
  }
}

const PID_PREFIX = 'dfm-pid:';
/** How much of stderr is searched for the announcement (login scripts may write there first). */
const ANNOUNCEMENT_SEARCH_BYTES = 64 * 1024;

/**
 * The digests in `sha256sum`'s output for `paths`: one line per file, in the order given, when every file could be
 * read; otherwise none is taken from it.
 */
function digestsIn(output: string, paths: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  const lines = output.split('\n').filter(Boolean);
  if (lines.length !== paths.length) return found;
  paths.forEach((path, index) => {
    const hex = SHA256SUM_LINE.exec(lines[index])?.[1];
    if (hex) found.set(path, `sha256:${hex}`);
  });
  return found;
}

/**
 * The remote shell announces its PID on stderr (`dfm-pid:<nonce>:<pid>`, the nonce so that nothing else can look
 * like it), then `exec`s the command in its place. sshd starts each session in a new session (setsid), so that PID is
 * also the process group of everything the command starts, which is what a timeout kills.
 */
function announcement(nonce: string): string {
  return `echo "${PID_PREFIX}${nonce}:$$" >&2`;
}

function commandPart(commandLine: string, cwd: string | undefined): string {
  const cd = cwd === undefined ? '' : `cd ${shellQuote(cwd)} && `;
  return `${cd}exec /bin/sh -c ${shellQuote(commandLine)}`;
}

/**
 * A prepared session's line: read one line (the command part), announce, run it. At the end of input, or when the
 * shell does not understand this, it exits having announced nothing and run nothing.
 */
function standbyLine(nonce: string): string {
  return `IFS= read -r dfm_line || exit 0; ${announcement(nonce)}; eval "$dfm_line"`;
}

/** One phase of a session (see run): the command line to write first, and a held session's marker. */
interface RunPhase {
  input?: string;
  hold?: string;
}

/** A phase's answer: `held` when the session stays, its shell waiting for another command line. */
interface Ran {
  result: ExecResult;
  announced: boolean;
  held: boolean;
}

/** The text before the last `marker` (all of it when absent). */
function beforeLast(text: string, marker: string): string {
  const at = text.lastIndexOf(marker);
  return at < 0 ? text : text.slice(0, at);
}

/**
 * Watches a held session's streams for the lines its shell prints once the command is done: `<marker>:<exit code>`
 * on stdout, `<marker>` on stderr (each stream keeps its order; the two may arrive in either order).
 */
class HoldMarks {
  private outTail = '';
  private errTail = '';
  private code: number | undefined;
  private errSeen = false;

  constructor(private readonly marker: string) {}

  /** Whether both lines have now been seen. */
  out(chunk: Buffer): boolean {
    if (this.code === undefined) {
      const text = this.outTail + chunk.toString('latin1');
      const found = new RegExp(`${this.marker}:(\\d+)\n`).exec(text);
      if (found) this.code = Number(found[1]);
      this.outTail = text.slice(-(this.marker.length + 12));
    }
    return this.exitCode() !== undefined;
  }

  err(chunk: Buffer): boolean {
    if (!this.errSeen) {
      const text = this.errTail + chunk.toString('latin1');
      this.errSeen = text.includes(`${this.marker}\n`);
      this.errTail = text.slice(-(this.marker.length + 1));
    }
    return this.exitCode() !== undefined;
  }

  exitCode(): number | undefined {
    return this.errSeen ? this.code : undefined;
  }
}

/** A session opened ahead, its shell waiting for a command line. */
class StandbyShell {
  private ended = false;

  constructor(
    readonly channel: ClientChannel,
    readonly nonce: string,
  ) {
    channel.once('exit', () => (this.ended = true));
    channel.once('close', () => (this.ended = true));
  }

  get usable(): boolean {
    return !this.ended;
  }

  /** Ends its input: the shell reads nothing, runs nothing, and exits. */
  dismiss(): void {
    this.channel.resume();
    this.channel.stderr.resume();
    this.channel.end();
  }
}

/** Takes the PID announcement out of stderr (wherever in its first 64 KB) and passes the rest on. */
class PidAnnouncement {
  pid?: number;
  private pending: Buffer | undefined = Buffer.alloc(0);
  private readonly marker: Buffer;

  constructor(
    private readonly rest: OutputBuffer,
    nonce: string,
  ) {
    this.marker = Buffer.from(`${PID_PREFIX}${nonce}:`);
  }

  push(chunk: Buffer): void {
    if (this.pending === undefined) {
      this.rest.push(chunk);
      return;
    }
    const pending = Buffer.concat([this.pending, chunk]);
    const at = pending.indexOf(this.marker);
    const newline = at === -1 ? -1 : pending.indexOf(0x0a, at);
    if (at !== -1 && newline !== -1) {
      const pid = Number(pending.subarray(at + this.marker.length, newline).toString());
      if (Number.isInteger(pid) && pid > 0) this.pid = pid;
      this.pending = undefined;
      const rest = Buffer.concat([pending.subarray(0, at), pending.subarray(newline + 1)]);
      if (rest.length > 0) this.rest.push(rest);
      return;
    }
    if (pending.length > ANNOUNCEMENT_SEARCH_BYTES) {
      this.pending = undefined;
      this.rest.push(pending);
      return;
    }
    this.pending = pending;
  }

  text(): string {
    if (this.pending !== undefined && this.pending.length > 0) this.rest.push(this.pending);
    this.pending = undefined;
    return this.rest.text();
  }
}

function sftpError(error: unknown, action: string): DriverError {
  if (error instanceof DriverError) return error;
  const code = (error as { code?: unknown }).code;
  const detail = error instanceof Error ? error.message : String(error);
  if (code === SFTP_NO_SUCH_FILE) {
    return new DriverError(DriverErrorCode.notFound, `${action}: no such file`, detail, { cause: error });
  }
  if (code === SFTP_PERMISSION_DENIED) {
    return new DriverError(DriverErrorCode.auth, `${action}: permission denied`, detail, { cause: error });
  }
  return toDriverError(error, action);
}
