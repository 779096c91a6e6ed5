import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** How often the versions of the jobs someone waits on are read (only while someone waits). */
export const JOB_CHANGE_CHECK_MS = 50;
/** Held requests per process at most: each holds a connection; beyond it, polls are answered at once. */
export const MAX_HELD_REQUESTS = 1000;

interface Waiter {
  version: number;
  release(): void;
}

/**
 * Lets a request wait for a job to change (`Prefer: wait` on `GET /jobs/{id}`). However many callers wait, one query
 * per {@link JOB_CHANGE_CHECK_MS} reads the versions of every job waited on; a job whose version moved (or whose row
 * is gone) releases its waiters, which then answer from a fresh read.
 *
 * Why a shared check instead of LISTEN/NOTIFY: job rows are written by workers in other processes as well, the
 * embedded default serves Postgres to its clients through one socket connection (no connection to spare for a
 * listener), and one indexed read of a few rows every 50 ms costs less than the HTTP requests it replaces.
 */
@Injectable()
export class JobChangeWatcher implements OnModuleDestroy {
  private readonly logger = new Logger(JobChangeWatcher.name);
  private readonly waiters = new Map<string, Set<Waiter>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Resolves once job `id` is at a version other than `version` (seen within {@link JOB_CHANGE_CHECK_MS}), after
   * `timeoutMs`, when `signal` aborts (the caller went away), or when the service stops: whichever comes first.
   * Never rejects: the caller reads the job again in every case.
   */
  waitForChange(id: string, version: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.stopped || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timeout = setTimeout(() => waiter.release(), timeoutMs);
      const onAbort = (): void => waiter.release();
      const waiter: Waiter = {
        version,
        release: () => {
          clearTimeout(timeout);
          signal?.removeEventListener('abort', onAbort);
          const forJob = this.waiters.get(id);
          forJob?.delete(waiter);
          if (forJob?.size === 0) this.waiters.delete(id);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const forJob = this.waiters.get(id) ?? new Set<Waiter>();
      forJob.add(waiter);
      this.waiters.set(id, forJob);
      this.schedule();
    });
  }

  /** Whether another request may be held ({@link MAX_HELD_REQUESTS}); the wait is a preference, so not is fine. */
  get canHold(): boolean {
    return !this.stopped && this.waiting < MAX_HELD_REQUESTS;
  }

  /** How many requests are waiting (for the tests and metrics). */
  get waiting(): number {
    let count = 0;
    for (const forJob of this.waiters.values()) count += forJob.size;
    return count;
  }

  onModuleDestroy(): void {
    // Held requests answer now (their wait is a preference), so the HTTP server can close.
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.releaseAll();
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.waiters.size === 0) return;
    this.timer = setTimeout(() => void this.check(), JOB_CHANGE_CHECK_MS);
  }

  private async check(): Promise<void> {
    const ids = [...this.waiters.keys()];
    try {
      const rows: Array<{ id: string; version: number }> = await this.dataSource.query(
        'SELECT id, version FROM jobs WHERE id = ANY($1::uuid[])',
        [ids],
      );
      const versions = new Map(rows.map((row) => [row.id, Number(row.version)]));
      for (const id of ids) {
        for (const waiter of [...(this.waiters.get(id) ?? [])]) {
          if (versions.get(id) !== waiter.version) waiter.release();
        }
      }
    } catch (error) {
      // The requests answer from their own read, which reports the database's trouble as any read does.
      this.logger.warn(`Could not read the versions of waited-on jobs: ${(error as Error).message}`);
      this.releaseAll();
    } finally {
      this.timer = undefined;
      this.schedule();
    }
  }

  private releaseAll(): void {
    for (const forJob of [...this.waiters.values()]) for (const waiter of [...forJob]) waiter.release();
  }
}
