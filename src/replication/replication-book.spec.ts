import { describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import type { JobRecordEntity } from '../jobs/job-record.entity.js';
import { ReplicationBook } from './replication-book.js';

/** A data source that records the diffs each save sends, and fails the saves it is told to. */
function recordingDataSource(failures: number): { dataSource: DataSource; sent: unknown[] } {
  const sent: unknown[] = [];
  let left = failures;
  const manager = {
    query: (_sql: string, [, diffs]: [string, string]) => {
      sent.push(JSON.parse(diffs));
      return Promise.resolve([]);
    },
    getRepository: () => ({
      createQueryBuilder: () => ({
        update: () => ({ set: () => ({ where: () => ({ execute: () => Promise.resolve() }) }) }),
      }),
    }),
  };
  const dataSource = {
    transaction: async (work: (m: typeof manager) => Promise<void>) => {
      await work(manager);
      if (left > 0) {
        left -= 1;
        throw new Error('connection lost');
      }
    },
  } as unknown as DataSource;
  return { dataSource, sent };
}

const context = {
  progress: () => Promise.resolve(),
  cancelRequested: () => Promise.resolve(false),
  attempt: 1,
};
const record = { id: 'job', outcome: {} } as unknown as JobRecordEntity;

describe('ReplicationBook.save', () => {
  it('sends each diff once, and again with the next save when its save failed', async () => {
    const { dataSource, sent } = recordingDataSource(1);
    const book = await ReplicationBook.load(dataSource, record);
    book.setDiff('r/10.0.0.0', { unchanged: false, options: { added: [{ code: 3 }] } });
    await expect(book.save(dataSource, 'job', context)).rejects.toThrow('connection lost');
    book.setDiff('r/10.0.1.0', { unchanged: true });
    await book.save(dataSource, 'job', context);
    await book.save(dataSource, 'job', context);
    expect(sent).toEqual([
      { 'r/10.0.0.0': { unchanged: false, options: { added: [{ code: 3 }] } } },
      {
        'r/10.0.0.0': { unchanged: false, options: { added: [{ code: 3 }] } },
        'r/10.0.1.0': { unchanged: true },
      },
    ]);
  });
});

describe('ReplicationBook.result', () => {
  const outcome = (network: string, state: string, reason?: string): Record<string, unknown> => ({
    relationshipId: 'r',
    sourceServerId: 's',
    destinationServerId: 'd',
    network,
    state,
    ...(reason ? { reason } : {}),
  });
  const bookOf = (...scopes: Array<Record<string, unknown>>): Promise<ReplicationBook> =>
    ReplicationBook.load(recordingDataSource(0).dataSource, {
      id: 'job',
      outcome: {
        scopes: Object.fromEntries(scopes.map((scope) => [`r/${String(scope['network'])}`, scope])),
      },
    } as unknown as JobRecordEntity);

  it("says in the job's error why its scopes failed, when all or some did", async () => {
    const all = (await bookOf(outcome('10.0.0.0', 'failed', 'dhcpd -t rejected it'))).result(false);
    expect(all).toMatchObject({
      state: 'failed',
      error: "1 of 1 scopes failed (outcome.scopes has each one's reason): 10.0.0.0: dhcpd -t rejected it",
    });
    const some = (
      await bookOf(
        outcome('10.0.0.0', 'replaced'),
        ...['10.0.1.0', '10.0.2.0', '10.0.3.0', '10.0.4.0'].map((network) =>
          outcome(network, 'failed', 'refused'),
        ),
      )
    ).result(false);
    expect(some.state).toBe('partially_succeeded');
    expect(some.error).toBe(
      "4 of 5 scopes failed (outcome.scopes has each one's reason): 10.0.1.0: refused; 10.0.2.0: refused; " +
        '10.0.3.0: refused; and 1 more',
    );
    const leg = (await bookOf(outcome('*', 'failed', 'ssh: connect: cannot reach the host'))).result(false);
    expect(leg.error).toContain('every scope: ssh: connect: cannot reach the host');
  });

  it('has no error when nothing failed, and keeps the error it is given', async () => {
    const done = (
      await bookOf(outcome('10.0.0.0', 'replaced'), outcome('10.0.1.0', 'skipped', 'not in it'))
    ).result(false);
    expect(done).toMatchObject({ state: 'succeeded' });
    expect(done.error).toBeUndefined();
    const gone = (await bookOf(outcome('10.0.0.0', 'failed', 'x'))).result(
      false,
      'The replication no longer applies',
    );
    expect(gone.error).toBe('The replication no longer applies');
  });
});
