import { createHash } from 'node:crypto';
import { DriverError, DriverErrorCode } from '../../driver-error.js';
import type { SshTransportSettings } from './isc-transport-settings.js';
import type { ExecOptions, ExecResult, FileContent, FileStat, IscTransport } from './isc-transport.js';
import { SshTransport } from './ssh-transport.js';

/** Idle connections kept per registration: one per operation that may run at once on a server, and a spare. */
const IDLE_PER_REGISTRATION = 2;

/**
 * Idle SSH connections to ISC hosts, kept for the next operation on the same registration, as OpenSSH's
 * ControlPersist does: each operation otherwise pays a TCP connect, key exchange and authentication (~0.1 s on
 * loopback, a few round trips more over a WAN). A connection serves one operation at a time; it is checked with one
 * SFTP round trip before it is lent again, and one that failed mid-operation or that the server closed is never
 * lent. Closed after `idleMs` unused (0: none kept, every operation connects) and when the application stops.
 */
export class SshPool {
  private readonly idle = new Map<string, Array<{ transport: SshTransport; expiry: NodeJS.Timeout }>>();

  constructor(private idleMs = 0) {}

  configure(idleMs: number): void {
    this.idleMs = idleMs;
    if (idleMs === 0) void this.clear();
  }

  /** A connection for one operation: an idle one that still answers, else a new one. Closing it gives it back. */
  async take(settings: SshTransportSettings): Promise<IscTransport> {
    const key = registrationKey(settings);
    for (let entry = this.idle.get(key)?.pop(); entry; entry = this.idle.get(key)?.pop()) {
      clearTimeout(entry.expiry);
      if (await entry.transport.answers()) {
        return new PooledSshTransport(entry.transport, (transport) => this.give(key, transport));
      }
      await entry.transport.close();
    }
    const transport = await SshTransport.connect(settings);
    return new PooledSshTransport(transport, (released) => this.give(key, released));
  }

  /** Closes every idle connection (the application is stopping, or pooling was turned off). */
  async clear(): Promise<void> {
    const entries = [...this.idle.values()].flat();
    this.idle.clear();
    for (const { expiry } of entries) clearTimeout(expiry);
    await Promise.all(entries.map(({ transport }) => transport.close()));
  }

  private async give(key: string, transport: SshTransport): Promise<void> {
    const list = this.idle.get(key) ?? [];
    if (this.idleMs === 0 || !transport.reusable || list.length >= IDLE_PER_REGISTRATION) {
      await transport.close();
      return;
    }
    const expiry = setTimeout(() => {
      const entries = this.idle.get(key) ?? [];
      const index = entries.findIndex((entry) => entry.transport === transport);
      if (index >= 0) entries.splice(index, 1);
      void transport.close();
    }, this.idleMs);
    expiry.unref();
    list.push({ transport, expiry });
    this.idle.set(key, list);
  }
}

/** One registration's connections: everything they were made with (credentials hashed, never kept as a key). */
function registrationKey(settings: SshTransportSettings): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex');
}

/**
 * A pooled connection lent for one operation: `close` gives it back (once), after which the lease refuses every call,
 * since the connection may already serve another operation.
 */
class PooledSshTransport implements IscTransport {
  readonly kind = 'ssh';
  readonly description: string;
  private released = false;

  constructor(
    private readonly transport: SshTransport,
    private readonly release: (transport: SshTransport) => Promise<void>,
  ) {
    this.description = transport.description;
  }

  readFile(path: string): Promise<FileContent> {
    return this.lent().readFile(path);
  }

  digests(paths: readonly string[]): Promise<Map<string, string>> {
    return this.lent().digests(paths);
  }

  writeFile(path: string, data: Buffer | string, mode?: number): Promise<void> {
    return this.lent().writeFile(path, data, mode);
  }

  rename(from: string, to: string): Promise<void> {
    return this.lent().rename(from, to);
  }

  link(existing: string, newPath: string): Promise<boolean> {
    return this.lent().link(existing, newPath);
  }

  remove(path: string): Promise<void> {
    return this.lent().remove(path);
  }

  stat(path: string): Promise<FileStat | undefined> {
    return this.lent().stat(path);
  }

  exists(path: string): Promise<boolean> {
    return this.lent().exists(path);
  }

  exec(command: readonly string[] | string, options?: ExecOptions): Promise<ExecResult> {
    return this.lent().exec(command, options);
  }

  prepareCommands(count: number): void {
    this.lent().prepareCommands(count);
  }

  releasePreparedCommands(): void {
    if (!this.released) this.transport.releasePreparedCommands();
  }

  answers(): Promise<boolean> {
    return this.released ? Promise.resolve(false) : this.transport.answers();
  }

  async close(): Promise<void> {
    if (this.released) return;
    // Sessions readied for this operation are not the next one's.
    this.transport.releasePreparedCommands();
    this.released = true;
    await this.release(this.transport);
  }

  private lent(): SshTransport {
    if (this.released) {
      throw new DriverError(DriverErrorCode.unreachable, `${this.description}: session closed`);
    }
    return this.transport;
  }
}

/** The process's pool for ISC hosts; the ISC module sets its idle time from ISC_SSH_IDLE_SECONDS. */
export const iscSshPool = new SshPool();
