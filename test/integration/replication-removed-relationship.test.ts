import { createHash } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { RelationshipEntity } from '../../src/relationships/relationship.entity.js';
import { eventually } from '../support/eventually.js';
import { registerServer, saveRelationshipRecord } from '../support/fixtures.js';
import { requestReplication, waitForJob } from '../support/jobs.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

/** ServerLockService's advisory lock key of a server (the same hash). */
const lockKey = (serverId: string): string =>
  BigInt.asIntN(
    64,
    BigInt(`0x${createHash('sha256').update(`server:${serverId}`).digest('hex').slice(0, 16)}`),
  ).toString();

/**
 * A replication job names a relationship; the relationship may be removed before the job writes. A queued job finds
 * it gone when it plans (test/protocol/kea-replication-workers.test.ts); a running one looks again under its servers'
 * lock, which DELETE /relationships/{id} takes too, so it never writes to a server of a relationship that is gone.
 */
describe('a replication whose relationship is removed while it runs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('ends failed at once with the reason, reads and writes no server, and is not retried', async () => {
    // The servers answer nothing (loopback port 9): a job that went on to read them would fail as unreachable and be
    // retried.
    const [a, b] = [await registerServer(t), await registerServer(t)];
    const dataSource = t.app.get(DataSource);
    const relationship = await saveRelationshipRecord(t, [a, b]);
    // Another process's change holds the first server (as a DELETE of the relationship would).
    const holder = new pg.Client({ connectionString: t.database.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [lockKey([a, b].sort()[0])]);
      const id = await requestReplication(t, {
        kind: 'relationship',
        sourceServerId: a,
        relationshipId: relationship.id,
      });
      // The job has planned its leg and waits for the server's lock.
      const waiting = async (): Promise<boolean> =>
        (
          await dataSource.query<Array<{ n: number }>>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%pg_advisory_lock%'`,
          )
        )[0].n > 0;
      expect(await eventually(waiting)).toBe(true);
      // What DELETE /relationships/{id} does last, under the same lock: the record goes.
      await dataSource.getRepository(RelationshipEntity).delete({ id: relationship.id });
      await holder.query('SELECT pg_advisory_unlock_all()');

      const done = await waitForJob(t, id);
      expect(done).toMatchObject({ state: 'failed', attempts: 1 });
      const reason = `relationship ${relationship.id} was removed (or is no longer managed) after the job was planned; nothing was written`;
      expect(done['error']).toBe(`The replication no longer applies: ${reason}`);
      expect(done.outcome.scopes?.[`${relationship.id}/*`]).toMatchObject({
        state: 'skipped',
        network: '*',
        reason,
        sourceServerId: a,
        destinationServerId: b,
      });
      const written = await t.http
        .get(`/api/v1/audit-events?action=replication.written`)
        .set(bearer(t.adminKey))
        .expect(200);
      expect(written.body.total).toBe(0);
    } finally {
      await holder.end();
    }
  });
});
