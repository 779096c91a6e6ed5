import type { DataSource } from 'typeorm';
import { JobChangeWatcher, MAX_HELD_REQUESTS } from './job-change-watcher.js';

const ID = '00000000-0000-4000-8000-000000000001';

/** A database whose job stays at version 1. */
const unchanging = { query: () => Promise.resolve([{ id: ID, version: 1 }]) } as unknown as DataSource;

describe('JobChangeWatcher', () => {
  it(`holds at most ${MAX_HELD_REQUESTS} requests, and lets every one go when the service stops`, async () => {
    const watcher = new JobChangeWatcher(unchanging);
    const held = Array.from({ length: MAX_HELD_REQUESTS }, () => watcher.waitForChange(ID, 1, 60_000));
    expect(watcher.waiting).toBe(MAX_HELD_REQUESTS);
    expect(watcher.canHold).toBe(false);
    watcher.onModuleDestroy();
    await Promise.all(held);
    expect(watcher.waiting).toBe(0);
    // Stopped: nothing is held any more.
    expect(watcher.canHold).toBe(false);
    await watcher.waitForChange(ID, 1, 60_000);
  });

  it('lets a request go when the version it waits on is no longer the job version', async () => {
    const watcher = new JobChangeWatcher(unchanging);
    expect(watcher.canHold).toBe(true);
    await watcher.waitForChange(ID, 0, 60_000);
    expect(watcher.waiting).toBe(0);
    watcher.onModuleDestroy();
  });
});
