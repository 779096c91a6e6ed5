import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { bootstrap } from '../src/bootstrap.js';
import { median } from './support/stats.js';

/**
 * server-read: the cost of the API layer (authentication, permission check, validation, serialization) on a
 * server read, against the raw floor measured in the same run: the one SELECT the answer needs, sent with `pg`.
 * Needs the local Postgres and Redis (as the tests do). Prints medians and the ratio; asserts nothing.
 */
const PG = 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = 5;
const REQUESTS = 300;

async function timeMany(count: number, run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await run();
  return (performance.now() - started) / count;
}

export async function run(): Promise<void> {
  const name = `dfm_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = PG.replace(/\/postgres$/, `/${name}`);
  const key = `dfm_${randomBytes(24).toString('base64url')}`;
  const started = await bootstrap(
    { api: true, worker: false },
    {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: name,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      BOOTSTRAP_API_KEY: key,
      LOG_LEVEL: 'warn',
    },
  );
  const raw = new pg.Client({ connectionString: url });
  try {
    const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
    const created = await fetch(`${started.url}/api/v1/servers`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'bench',
        vendor: 'kea',
        address: '127.0.0.1',
        connection: { url: 'http://127.0.0.1:8000/' },
      }),
    });
    const { id } = (await created.json()) as { id: string };
    await raw.connect();
    const api: number[] = [];
    const floor: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      api.push(
        await timeMany(REQUESTS, async () => {
          const response = await fetch(`${started.url}/api/v1/servers/${id}`, { headers });
          if (response.status !== 200) throw new Error(`GET answered ${response.status}`);
          await response.arrayBuffer();
        }),
      );
      floor.push(
        await timeMany(REQUESTS, async () => {
          await raw.query('SELECT * FROM servers WHERE id = $1', [id]);
        }),
      );
    }
    const [a, f] = [median(api), median(floor)];
    process.stdout.write(
      `server-read: API GET /servers/{id} ${a.toFixed(3)} ms/op, raw floor (one SELECT over pg) ${f.toFixed(3)} ms/op, ` +
        `ratio ${(a / f).toFixed(1)}x (median of ${ROUNDS} rounds x ${REQUESTS} sequential requests)\n`,
    );
  } finally {
    await raw.end().catch(() => undefined);
    await started.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
