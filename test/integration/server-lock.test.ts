import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/app-config.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { ServerLockService } from '../../src/servers/server-lock.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Two lock services with their own connection pools stand for two processes (API replicas or workers). */
describe('per-server locks across processes', () => {
  let t: TestApp;
  let other: DataSource;
  let first: ServerLockService;
  let second: ServerLockService;
  const A = '11111111-1111-4111-8111-111111111111';
  const B = '22222222-2222-4222-8222-222222222222';

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    other = await new DataSource(dataSourceOptions(t.database.url)).initialize();
    first = t.app.get(ServerLockService);
    second = new ServerLockService(other, t.app.get(AppConfig));
  });
  afterAll(async () => {
    await other.destroy();
    await t.close();
  });

  it('two processes never hold the same server at once', async () => {
    const events: string[] = [];
    const hold = (who: string) => async (): Promise<void> => {
      events.push(`${who} in`);
      await sleep(300);
      events.push(`${who} out`);
    };
    await Promise.all([first.withServers([A, B], hold('first')), second.withServers([B], hold('second'))]);
    // Whoever went first left before the other came in.
    const owners = events.map((event) => event.split(' ')[0]);
    expect(owners[1]).toBe(owners[0]);
    expect(owners[3]).toBe(owners[2]);
    expect(owners[2]).not.toBe(owners[0]);
    expect(events.map((event) => event.split(' ')[1])).toEqual(['in', 'out', 'in', 'out']);
  });

  it('different servers do not wait for each other', async () => {
    let release!: () => void;
    const secondInside = new Promise<void>((resolve) => (release = resolve));
    const outcome = await Promise.race([
      Promise.all([
        first.withServers([A], () => secondInside), // waits until the other holds B
        second.withServers([B], async () => release()),
      ]).then(() => 'both ran'),
      sleep(10_000).then(() => 'blocked'),
    ]);
    expect(outcome).toBe('both ran');
  });
});
