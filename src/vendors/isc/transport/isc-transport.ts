import { createHash } from 'node:crypto';

/**
 * What the ISC driver needs from the DHCP host: files and commands. `local` (the service runs on the DHCP host) and
 * `ssh` (SFTP for files, exec for commands) implement it, so everything above it has one code path.
 *
 * Every failure is a `DriverError`: connection refused or timed out → `unreachable`; credentials or host key refused,
 * or permission denied → `auth`; a missing file → `not-found`; a command that outlives its timeout → `unreachable`.
 */
export interface IscTransport {
  readonly kind: 'ssh' | 'local';
  /** For messages: `ssh root@10.0.0.5:22` or `local`. */
  readonly description: string;
  readFile(path: string): Promise<FileContent>;
  /**
   * The {@link contentDigest} of each file in `paths`, computed where the files are: over SSH one `sha256sum` on the
   * host, so that telling whether a file changed transfers none of it. A path absent from the answer could not be
   * digested so (the file is gone or unreadable, or the host has no `sha256sum`): the caller reads it instead.
   */
  digests(paths: readonly string[]): Promise<Map<string, string>>;
  /** Creates or truncates `path` and writes `data` (strings as UTF-8); `mode` is applied exactly (no umask). */
  writeFile(path: string, data: Buffer | string, mode?: number): Promise<void>;
  /** rename(2): atomic, replaces `to`; both paths must be on the same filesystem. */
  rename(from: string, to: string): Promise<void>;
  /**
   * Makes `newPath` a hard link to `existing` (which must be a file; `newPath` must not exist). False when the host
   * offers no way to (then the caller copies); a backup taken so costs no transfer.
   */
  link(existing: string, newPath: string): Promise<boolean>;
  /** Removes a file; `not-found` when it is absent. */
  remove(path: string): Promise<void>;
  /** `undefined` when nothing is at `path`. */
  stat(path: string): Promise<FileStat | undefined>;
  exists(path: string): Promise<boolean>;
  /**
   * Runs a command. An array is an argv, run without shell interpretation (over SSH each word is quoted for the
   * remote POSIX shell); a string is a shell command line (only for commands an administrator registered, such as
   * the restart command). A command still running after `timeoutMs` is killed and rejected with `unreachable`;
   * a non-zero exit is not an error here: the caller reads `exitCode`.
   */
  exec(command: readonly string[] | string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Says that up to `count` commands follow soon (a write's `dhcpd -t`, which holds its session for the restart), so a transport may get them
   * ready: over SSH, sessions whose remote shell starts now and waits for its command. Nothing runs until `exec`.
   */
  prepareCommands(count: number): void;
  /** Lets go of what {@link prepareCommands} readied and no command used. */
  releasePreparedCommands(): void;
  /**
   * Whether the connection can still serve calls: a connection kept between operations may have been closed
   * meanwhile (the server restarted sshd, an idle timeout). One bounded round trip at most; false rather than an error.
   */
  answers(): Promise<boolean>;
  /** Releases the connection; further calls fail. Idempotent. */
  close(): Promise<void>;
}

export interface FileContent {
  data: Buffer;
  /** {@link contentDigest} of `data`. */
  digest: string;
}

export interface FileStat {
  size: number;
  /** Permission bits (`mode & 0o7777`). */
  mode: number;
  mtimeMs: number;
  isFile: boolean;
  isDirectory: boolean;
}

export interface ExecOptions {
  stdin?: Buffer | string;
  /** Working directory of the command (default: the login directory over SSH, the service's locally). */
  cwd?: string;
  /** Default: the transport's command timeout (60 s unless registered otherwise). */
  timeoutMs?: number;
  /**
   * Files to digest (as {@link IscTransport.digests}) as soon as the command exits, in the same session: the result's
   * `digests`. A check that must follow the command then costs no session of its own (over SSH, a remote shell's
   * start: login scripts included, 130–460 ms of the host's CPU on the test machines).
   */
  digestsAfter?: readonly string[];
  /**
   * Keep the session once the command exited, for one more command line in the same shell (the result's `held`): a
   * command that must follow this one later (the restart after `dhcpd -t`) then costs no session of its own. The
   * command gets no input.
   */
  hold?: boolean;
}

/** A command's session kept after it (ExecOptions.hold). Let go of it with one `exec` or with `release`. */
export interface HeldSession {
  /** Runs a shell command line (as `exec` runs a string, from the login directory) in the kept session. Once. */
  exec(commandLine: string, options?: Pick<ExecOptions, 'timeoutMs'>): Promise<ExecResult>;
  /** Lets the session end without running anything more. Idempotent. */
  release(): void;
}

export interface ExecResult {
  /** The exit status; 127 when the program does not exist (as a POSIX shell reports it), null when killed. */
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  /**
   * With `digestsAfter`: the digests taken once the command exited. A path absent could not be digested so (see
   * {@link IscTransport.digests}); the command's own output and exit code are as without them.
   */
  digests?: Map<string, string>;
  /** With `hold`: the session, kept for one more command; absent when it ended with the command. */
  held?: HeldSession;
}

/** How long output is still collected after a command exited (a daemon it started may keep the pipes open). */
export const OUTPUT_GRACE_MS = 250;
/** Output beyond this is dropped (tail kept), so a runaway command cannot exhaust memory. */
export const MAX_COMMAND_OUTPUT_BYTES = 4 * 1024 * 1024;

/** `sha256:<hex>` of the bytes; the same function on both transports, so digests compare across them. */
export function contentDigest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * Quotes one word for a POSIX shell: single quotes, each `'` written as `'\''`. Inside single quotes the shell
 * interprets nothing, so `'; rm -rf /`, `$(...)`, backslashes and newlines arrive as text.
 */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new TypeError('a shell word cannot contain NUL');
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellCommandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('empty command');
  return argv.map(shellQuote).join(' ');
}

/** Collects a stream's output up to {@link MAX_COMMAND_OUTPUT_BYTES}, keeping the tail (where errors usually are). */
export class OutputBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > MAX_COMMAND_OUTPUT_BYTES && this.chunks.length > 1) {
      const first = this.chunks.shift()!;
      this.size -= first.length;
      this.dropped += first.length;
    }
  }

  text(): string {
    const body = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `[${this.dropped} bytes dropped]\n${body}` : body;
  }
}
