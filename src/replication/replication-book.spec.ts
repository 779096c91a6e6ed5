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
