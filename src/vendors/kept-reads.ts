import type { ServerTarget } from './driver.js';

/** How long a read kept for a write may serve as that write's base. */
export const KEPT_READ_MS = 60_000;

/**
 * Reads a driver keeps, by server, for the write that follows them under the same lock
 * (`ReadOptions.keepForWrite`). A kept read serves one write, and only for the same registration (address and
 * connection settings). It is let go after {@link KEPT_READ_MS} even when no write follows (a replication that found
 * nothing to change), so a large configuration is not held on to.
 */
export class KeptReads<T> {
  private readonly entries = new Map<string, { value: T; registration: string; expiry: NodeJS.Timeout }>();

  keep(target: ServerTarget, value: T): void {
    this.drop(target);
    const expiry = setTimeout(() => this.entries.delete(target.id), KEPT_READ_MS);
    expiry.unref();
    this.entries.set(target.id, { value, registration: registrationOf(target), expiry });
  }

  /** The read kept for `target`, if any, which no later write can take again. */
  take(target: ServerTarget): T | undefined {
    const entry = this.entries.get(target.id);
    this.drop(target);
    return entry && entry.registration === registrationOf(target) ? entry.value : undefined;
  }

  drop(target: ServerTarget): void {
    const entry = this.entries.get(target.id);
    if (!entry) return;
    clearTimeout(entry.expiry);
    this.entries.delete(target.id);
  }
}

/** What a kept read depends on: where the server is and how it is reached. */
function registrationOf(target: ServerTarget): string {
  return JSON.stringify([target.address, target.connection]);
}
