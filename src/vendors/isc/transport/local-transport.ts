import { spawn } from 'node:child_process';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { DriverError, DriverErrorCode } from '../../driver-error.js';
import type { LocalTransportSettings } from './isc-transport-settings.js';
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
} from './isc-transport.js';
import { commandTimedOut, toDriverError } from '../../transport-errors.js';

/** The ISC transport for a service that runs on the DHCP host: node:fs and node:child_process. */
export class LocalTransport implements IscTransport {
  readonly kind = 'local';
  readonly description = 'local';
  private closed = false;

  constructor(private readonly settings: LocalTransportSettings) {}

  async readFile(path: string): Promise<FileContent> {
    this.assertOpen();
    try {
      const data = await readFile(path);
      return { data, digest: contentDigest(data) };
    } catch (error) {
      throw toDriverError(error, `read ${path}`);
    }
  }

  async digests(paths: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const path of paths) {
      // Here the bytes cost no transfer: reading them is the digest.
      const content = await this.readFile(path).catch(() => undefined);
      if (content) found.set(path, content.digest);
    }
    return found;
  }

  async writeFile(path: string, data: Buffer | string, mode?: number): Promise<void> {
    this.assertOpen();
    try {
      const handle = await open(path, 'w', mode);
      try {
        await handle.writeFile(data);
        // The umask applied at open, and an existing file keeps its old mode: set it explicitly.
        if (mode !== undefined) await handle.chmod(mode);
        // Durable before a rename makes it live.
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw toDriverError(error, `write ${path}`);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    this.assertOpen();
    try {
      await rename(from, to);
    } catch (error) {
      throw toDriverError(error, `rename ${from} to ${to}`);
    }
  }

  async link(existing: string, newPath: string): Promise<boolean> {
    this.assertOpen();
    try {
      await link(existing, newPath);
      return true;
    } catch (error) {
      throw toDriverError(error, `link ${existing} to ${newPath}`);
    }
  }

  async remove(path: string): Promise<void> {
    this.assertOpen();
    try {
      await unlink(path);
    } catch (error) {
      throw toDriverError(error, `remove ${path}`);
    }
  }

  async stat(path: string): Promise<FileStat | undefined> {
    this.assertOpen();
    try {
      const stats = await stat(path);
      return {
        size: stats.size,
        mode: stats.mode & 0o7777,
        mtimeMs: stats.mtimeMs,
        isFile: stats.isFile(),
        isDirectory: stats.isDirectory(),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw toDriverError(error, `stat ${path}`);
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  async exec(command: readonly string[] | string, options: ExecOptions = {}): Promise<ExecResult> {
    const result = await this.run(command, options);
    const after = options.digestsAfter ?? [];
    const digests = after.length > 0 ? { digests: await this.digests(after) } : {};
    return { ...result, ...digests, ...(options.hold ? { held: this.nextCommand() } : {}) };
  }

  /** A held session here: a local command starts in milliseconds, so the next one simply runs (once, as over SSH). */
  private nextCommand(): HeldSession {
    let done = false;
    return {
      exec: (commandLine, options = {}) => {
        if (done) return Promise.reject(new Error('this held session was already used or released'));
        done = true;
        return this.exec(commandLine, options);
      },
      release: () => {
        done = true;
      },
    };
  }

  private run(command: readonly string[] | string, options: ExecOptions): Promise<ExecResult> {
    this.assertOpen();
    // An argv runs without a shell; only a registered command line (a string) goes through /bin/sh.
    const [file, args] =
      typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0], command.slice(1)];
    if (file === undefined) return Promise.reject(new TypeError('empty command'));
    const shown = typeof command === 'string' ? command : command.join(' ');
    const timeoutMs = options.timeoutMs ?? this.settings.commandTimeoutMs;
    return new Promise<ExecResult>((resolve, reject) => {
      // Its own process group, so a timeout kills the command and everything it started.
      const child = spawn(file, args, {
        cwd: options.cwd,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const stdout = new OutputBuffer();
      const stderr = new OutputBuffer();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        if (child.pid !== undefined) killGroup(child.pid);
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.stdin.on('error', () => undefined); // a command that does not read its input
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // Answer a missing program the way a shell (and so the SSH transport) does.
        if (error.code === 'ENOENT') resolve({ exitCode: 127, stdout: '', stderr: `${file}: not found\n` });
        else reject(toDriverError(error, `run ${shown}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) {
          reject(commandTimedOut(this.description, shown, timeoutMs));
          return;
        }
        // A daemon the command started may hold our pipes open: take what arrived shortly after the exit.
        const finish = (): void => {
          clearTimeout(grace);
          child.stdout.destroy();
          child.stderr.destroy();
          resolve({
            exitCode: code,
            signal: signal ?? undefined,
            stdout: stdout.text(),
            stderr: stderr.text(),
          });
        };
        const grace = setTimeout(finish, OUTPUT_GRACE_MS);
        child.once('close', finish);
      });
      child.stdin.end(options.stdin);
    });
  }

  /** Nothing to lose but being closed. */
  answers(): Promise<boolean> {
    return Promise.resolve(!this.closed);
  }

  /** A local command starts in a few milliseconds: nothing to ready. */
  prepareCommands(): void {}

  releasePreparedCommands(): void {}

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private assertOpen(): void {
    if (this.closed) throw new DriverError(DriverErrorCode.unreachable, 'local transport: closed');
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}
