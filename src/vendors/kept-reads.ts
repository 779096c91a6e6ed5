import type { ServerTarget } from './driver.js';

/** How long a read kept for a write may serve as that write's base. */
export const KEPT_READ_MS = 60_000;

/**
 * Reads a driver keeps, by server, for the write that follows them under the same lock
 * (`ReadOptions.keepForWrite`). A kept read serves one write, and only for the same registration (address and
 * connection settings). It is let go after {@link KEPT_READ_MS} even when no write follows (a replication that found
 * nothing to change), so a large configuration is not held on to.
 *
 * A read may hold a resource (ISC: the open connection it was read over): `release` frees it whenever the read is
 * let go without being taken (replaced, dropped, expired, served to another registration, cleared). A read that is
 * taken is the taker's to release.
 */
export class KeptReads<T> {
  private readonly entries = new Map<string, { value: T; registration: string; expiry: NodeJS.Timeout }>();

  constructor(
    private readonly release: (value: T) => unknown = () => undefined,
    private readonly keptMs = KEPT_READ_MS,
  ) {}

  keep(target: ServerTarget, value: T): void {
    this.drop(target);
    const expiry = setTimeout(() => this.drop(target), this.keptMs);
    expiry.unref();
    this.entries.set(target.id, { value, registration: registrationOf(target), expiry });
  }

  /** The read kept for `target`, if any, which no later write can take again. */
  take(target: ServerTarget): T | undefined {
    const entry = this.entries.get(target.id);
    if (!entry) return undefined;
    if (entry.registration !== registrationOf(target)) {
      this.drop(target);
      return undefined;
    }
    clearTimeout(entry.expiry);
    this.entries.delete(target.id);
    return entry.value;
  }

  drop(target: ServerTarget): void {
    void this.letGo(target.id);
  }

  /** Lets every kept read go (the application is stopping), resolved once each is released. */
  async clear(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.letGo(id)));
  }

  private async letGo(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    clearTimeout(entry.expiry);
    this.entries.delete(id);
    try {
      await this.release(entry.value);
    } catch {
      // Releasing is best effort (a connection that fails to close is already gone).
    }
  }
}

/** What a kept read depends on: where the server is and how it is reached. */
function registrationOf(target: ServerTarget): string {
  return JSON.stringify([target.address, target.connection]);
}
