import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { DriverError, DriverErrorCode } from '../vendors/driver-error.js';
import type { FailoverChange, ServerTarget } from '../vendors/driver.js';
import { allOrNothing, rolledBackAuditOf } from './failover-writes.js';

const target = (name: string): ServerTarget => ({
  id: `00000000-0000-4000-8000-00000000000${name === 'a' ? 1 : 2}`,
  name,
  vendor: 'kea',
  address: '127.0.0.1',
  connection: {},
  secrets: {},
});

const detailOf = async (promise: Promise<unknown>): Promise<string> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProblemException);
  return (error as ProblemException).detail;
};

describe('allOrNothing', () => {
  const rejected = (leftChanged: boolean): DriverError =>
    new DriverError(DriverErrorCode.invalidConfig, 'Kea rejected the configuration', 'hook failed', {
      leftChanged,
    });

  it('says nothing was changed when the first server refused and undid its own attempt', async () => {
    const detail = await detailOf(
      allOrNothing([target('a'), target('b')], () => Promise.reject(rejected(false))),
    );
    expect(detail).toContain('a: Kea rejected the configuration');
    expect(detail).toContain('Nothing was changed.');
  });

  it('says the server may be left changed when its own undo failed', async () => {
    const detail = await detailOf(
      allOrNothing([target('a'), target('b')], () => Promise.reject(rejected(true))),
    );
    expect(detail).toContain('a may be left changed; check it by hand.');
    expect(detail).not.toContain('Nothing was changed');
  });

  it('names the first server restored when the second fails', async () => {
    const change: FailoverChange = { before: 'x', after: 'y', changed: true, undo: () => Promise.resolve() };
    const detail = await detailOf(
      allOrNothing([target('a'), target('b')], (_t, index) =>
        index === 0 ? Promise.resolve(change) : Promise.reject(rejected(false)),
      ),
    );
    expect(detail).toContain('a was restored to the previous configuration.');
  });

  it('names the server once and ends the sentence once when the driver already named it', async () => {
    const change: FailoverChange = { before: 'x', after: 'y', changed: true, undo: () => Promise.resolve() };
    const refused = new DriverError(
      DriverErrorCode.invalidConfig,
      'b: change failover relationship "r"',
      'Access is denied.',
    );
    const detail = await detailOf(
      allOrNothing([target('a'), target('b')], (_t, index) =>
        index === 0 ? Promise.resolve(change) : Promise.reject(refused),
      ),
    );
    expect(detail).toBe(
      'b: change failover relationship "r": Access is denied. a was restored to the previous configuration.',
    );
  });
});

describe('rolledBackAuditOf', () => {
  it("does not hide the server's problem when the event cannot be recorded, and logs that it was not", async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const dataSource = {
        transaction: () => Promise.reject(new Error('connection terminated')),
      } as unknown as DataSource;
      const record = rolledBackAuditOf(
        dataSource,
        {} as AuditService,
        { principalId: null, requestId: 'r1' } as never,
        'create',
        'pair-1',
      );
      const change = {
        before: 'd1',
        after: 'd2',
        undo: () => Promise.resolve(),
      } as unknown as FailoverChange;
      await expect(
        record([{ target: target('a'), change, restored: true }], target('b')),
      ).resolves.toBeUndefined();
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0][0])).toBe(
        'could not record relationship.rolled-back for create of "pair-1" (servers put back: a; failed: b): ' +
          'connection terminated',
      );
    } finally {
      logged.mockRestore();
    }
  });
});
