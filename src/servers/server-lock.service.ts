import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ProblemException } from '../common/problem/problem.exception.js';
import { AppConfig } from '../config/app-config.js';

/** How long to wait for a server's lock before answering that it is busy. */
const LOCK_WAIT_MS = 60_000;

/**
 * Serialises every change to one DHCP server, across processes (Postgres session advisory locks, held on a
 * connection of their own) and within this one. Several servers are locked in id order, so two operations that
 * touch the same pair cannot deadlock. The embedded default runs one process on one PGlite session, where advisory
 * locks exclude nobody; the in-process queue is the lock there.
 */
@Injectable()
export class ServerLockService {
  private readonly local = new Map<string, Promise<void>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async withServers<T>(serverIds: string[], run: () => Promise<T>): Promise<T> {
    const ids = [...new Set(serverIds)].sort();
    const releaseLocal = await this.lockLocally(ids);
    try {
      if (this.config.database.embedded) {
        return await run();
      }
      return await this.withAdvisoryLocks(ids, run);
    } finally {
      releaseLocal();
    }
  }

  private async withAdvisoryLocks<T>(ids: string[], run: () => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SET lock_timeout = ${LOCK_WAIT_MS}`);
      for (const id of ids) {
        await runner.query('SELECT pg_advisory_lock($1)', [lockKey(id)]).catch((error: unknown) => {
          throw busy(id, error);
        });
      }
      try {
        return await run();
      } finally {
        await runner.query('SELECT pg_advisory_unlock_all()');
      }
    } finally {
      await runner.release();
    }
  }

  private async lockLocally(ids: string[]): Promise<() => void> {
    const releases: Array<() => void> = [];
    for (const id of ids) {
      const previous = this.local.get(id) ?? Promise.resolve();
      let release!: () => void;
      const current = new Promise<void>((resolve) => (release = resolve));
      const chained = previous.then(() => current);
      this.local.set(id, chained);
      await previous;
      releases.push(() => {
        release();
        if (this.local.get(id) === chained) this.local.delete(id);
      });
    }
    return () => releases.reverse().forEach((release) => release());
  }
}

/** A 64-bit advisory lock key per server, from its id (namespaced so other lock users cannot collide). */
function lockKey(serverId: string): string {
  return BigInt.asIntN(
    64,
    BigInt(`0x${createHash('sha256').update(`server:${serverId}`).digest('hex').slice(0, 16)}`),
  ).toString();
}

function busy(serverId: string, error: unknown): unknown {
  const code = (error as { driverError?: { code?: string } }).driverError?.code;
  return code === '55P03'
    ? ProblemException.conflict(`Server ${serverId} is busy with another change; retry in a moment.`)
    : error;
}
