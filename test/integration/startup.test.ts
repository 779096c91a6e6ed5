import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { migrateUnderLock } from '../../src/database/migrate.js';
import { spawnService } from '../support/service-process.js';
import { createEmptyDatabase } from '../support/test-database.js';
import { REDIS_URL } from '../support/test-env.js';

const KEY = () => randomBytes(32).toString('base64');

describe('start-up of the built service (dist/, as npm start runs it)', () => {
  it('refuses bad configuration with one message naming each variable, and exit code 78', async () => {
    const service = spawnService({
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      ENCRYPTION_KEY: 'short',
      BOOTSTRAP_API_KEY: 'tiny',
      DISCOVERY_MAX_AGE_SECONDS: '-1',
      ISC_SSH_IDLE_SECONDS: '1.5',
      JOB_RETENTION_DAYS: '-1',
      ENCRYPTION_KEY_PREVIOUS: 'not-a-key',
    });
    expect(await service.exited()).toBe(78);
    for (const name of ['PORT', 'DATABASE_URL', 'ENCRYPTION_KEY', 'BOOTSTRAP_API_KEY']) {
      expect(service.output()).toContain(name);
    }
    expect(service.output()).toContain('DISCOVERY_MAX_AGE_SECONDS must be a whole number from 0 to 3600');
    expect(service.output()).toContain('ISC_SSH_IDLE_SECONDS must be a whole number from 0 to 3600');
    expect(service.output()).toContain('ENCRYPTION_KEY_PREVIOUS must be earlier ENCRYPTION_KEY values');
    expect(service.output()).toContain(
      'JOB_RETENTION_DAYS must be a whole number from 0 to 3650 (0 keeps finished jobs for ever)',
    );
    const missingKey = spawnService({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      PORT: '0',
    });
    expect(await missingKey.exited()).toBe(78);
    expect(missingKey.output()).toContain('ENCRYPTION_KEY is required when DATABASE_URL is set');
  });

  it('two instances starting together on an empty database migrate once, create one administrator, log JSON with request ids and no secret', async () => {
    const database = await createEmptyDatabase();
    const bootstrapKey = `dfm_${randomBytes(24).toString('base64url')}`;
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      REDIS_URL,
      QUEUE_PREFIX: `dfmstart${randomBytes(3).toString('hex')}`,
      ENCRYPTION_KEY: KEY(),
      BOOTSTRAP_API_KEY: bootstrapKey,
    };
    const services = [spawnService(env), spawnService(env)];
    try {
      const urls = await Promise.all(services.map((service) => service.ready()));
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const migrations = await client.query('SELECT name FROM typeorm_migrations');
        expect(migrations.rowCount).toBe(MIGRATIONS.length);
        const principals = await client.query('SELECT name FROM principals');
        expect(principals.rows).toEqual([{ name: 'admin' }]);
      } finally {
        await client.end();
      }
      for (const url of urls) {
        const health = await fetch(`${url}/health`);
        expect(health.status).toBe(200);
      }
      const secret = `pw-${randomBytes(8).toString('hex')}`;
      const created = await fetch(`${urls[0]}/api/v1/servers`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${bootstrapKey}`,
          'Content-Type': 'application/json',
          'X-Request-Id': 'startup-test-1',
        },
        body: JSON.stringify({
          name: 'kea1',
          vendor: 'kea',
          address: '127.0.0.1',
          connection: { url: 'http://127.0.0.1:8000/', username: 'u', password: secret },
        }),
      });
      expect(created.status).toBe(201);
      await fetch(`${urls[0]}/api/v1/nowhere`, { headers: { Authorization: `Bearer ${bootstrapKey}` } });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const output = services[0].output();
      const lines = output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const request = lines.find(
        (line) => (line['req'] as { id?: string } | undefined)?.id === 'startup-test-1',
      );
      expect(request).toMatchObject({
        req: { method: 'POST', url: '/api/v1/servers' },
        res: { statusCode: 201 },
      });
      expect(output).not.toContain(secret);
      expect(output).not.toContain(bootstrapKey);
      expect(output).not.toContain(env.ENCRYPTION_KEY);
    } finally {
      const codes = await Promise.all(services.map((service) => service.stop()));
      expect(codes).toEqual(['graceful', 'graceful']);
      await database.drop();
    }
  });

  it('rotates ENCRYPTION_KEY: restarted with the new key and the old one as ENCRYPTION_KEY_PREVIOUS, it reseals every credential, and the old key can go', async () => {
    const database = await createEmptyDatabase();
    const bootstrapKey = `dfm_${randomBytes(24).toString('base64url')}`;
    const [oldKey, newKey] = [KEY(), KEY()];
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      REDIS_URL,
      QUEUE_PREFIX: `dfmrot${randomBytes(3).toString('hex')}`,
      BOOTSTRAP_API_KEY: bootstrapKey,
    };
    const api = (url: string, method: string, path: string, body: unknown): Promise<Response> =>
      fetch(`${url}/api/v1${path}`, {
        method,
        headers: { Authorization: `Bearer ${bootstrapKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const secret = `pw-${randomBytes(8).toString('hex')}`;
    /** Runs one service with `extra` until `use` is done, and stops it. */
    const withService = async (
      extra: Record<string, string>,
      use: (url: string, output: () => string) => Promise<void>,
    ) => {
      const service = spawnService({ ...env, ...extra });
      try {
        await use(await service.ready(), () => service.output());
      } finally {
        expect(await service.stop()).toBe('graceful');
      }
    };
    try {
      let id = '';
      await withService({ ENCRYPTION_KEY: oldKey }, async (url) => {
        const created = await api(url, 'POST', '/servers', {
          name: 'kea-rotated',
          vendor: 'kea',
          address: '127.0.0.1',
          connection: { url: 'http://127.0.0.1:8000/', username: 'u', password: secret },
        });
        expect(created.status).toBe(201);
        id = ((await created.json()) as { id: string }).id;
      });
      // The new key alone cannot open what the old one sealed: the service says so, and what to do.
      const keepPassword = { connection: { username: 'u2' } };
      await withService({ ENCRYPTION_KEY: newKey }, async (url) => {
        const refused = await api(url, 'PATCH', `/servers/${id}`, keepPassword);
        expect(refused.status).toBe(409);
      });
      await withService({ ENCRYPTION_KEY: newKey, ENCRYPTION_KEY_PREVIOUS: oldKey }, async (_url, output) => {
        expect(output()).toContain('ENCRYPTION_KEY_PREVIOUS can be removed');
        expect(output()).toContain('"resealed":1');
        for (const word of [secret, oldKey, newKey]) expect(output()).not.toContain(word);
      });
      await withService({ ENCRYPTION_KEY: newKey }, async (url) => {
        const patched = await api(url, 'PATCH', `/servers/${id}`, keepPassword);
        expect(patched.status).toBe(200);
        expect(JSON.stringify(await patched.json())).not.toContain(secret);
      });
    } finally {
      await database.drop();
    }
  });

  it('runs the API and the worker as separate processes over the same database and queues', async () => {
    const database = await createEmptyDatabase();
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      REDIS_URL,
      QUEUE_PREFIX: `dfmsplit${randomBytes(3).toString('hex')}`,
      ENCRYPTION_KEY: KEY(),
      BOOTSTRAP_API_KEY: `dfm_${randomBytes(24).toString('base64url')}`,
    };
    const api = spawnService(env, 'api');
    const worker = spawnService(env, 'worker');
    try {
      const url = await api.ready();
      expect(api.output()).toMatch(/roles: api"/);
      await worker.waitFor(/roles: worker"/);
      expect(worker.output()).not.toContain('Listening on');
      expect((await fetch(`${url}/health`)).status).toBe(200);
    } finally {
      expect(await Promise.all([api.stop(), worker.stop()])).toEqual(['graceful', 'graceful']);
      await database.drop();
    }
  });

  it('a migration that cannot apply stops start-up at once with its reason and exit code 1, not after connection retries', async () => {
    const database = await createEmptyDatabase();
    const at = MIGRATIONS.findIndex((migration) => migration.name === 'CaseInsensitiveNames1795720000000');
    const before = await new DataSource({
      ...dataSourceOptions(database.url),
      migrations: MIGRATIONS.slice(0, at),
    }).initialize();
    try {
      await migrateUnderLock(before);
      // Two names that differ in case only: the migration that makes names unique whatever their case refuses them.
      await before.query(
        `INSERT INTO principals (name, kind, version) VALUES ('bob', 'user', 1), ('Bob', 'user', 1)`,
      );
      const service = spawnService({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: database.url,
        REDIS_URL,
        QUEUE_PREFIX: `dfmstart${randomBytes(3).toString('hex')}`,
        ENCRYPTION_KEY: KEY(),
        BOOTSTRAP_API_KEY: `dfm_${randomBytes(24).toString('base64url')}`,
      });
      try {
        expect(await service.exited()).toBe(1);
      } finally {
        await service.stop();
      }
      expect(service.output()).toContain(
        'Names are now unique whatever their case, and these differ in case only:',
      );
      // A migration's failure is not the database being unreachable: trying again would fail the same way.
      expect(service.output()).not.toMatch(/Retrying/);
    } finally {
      await before.destroy();
      await database.drop();
    }
  });

  it('with no DATABASE_URL or REDIS_URL runs on the embedded default, keeps its data and key, and says so first', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dfm-embedded-'));
    try {
      const first = spawnService({ PORT: '0', DATA_DIR: dataDir });
      let url: string;
      let key: string;
      try {
        url = await first.ready(120_000);
        const output = first.output();
        const firstLine = JSON.parse(output.split('\n').find((line) => line.startsWith('{')) ?? '{}') as {
          msg?: string;
        };
        expect(firstLine.msg).toMatch(/embedded Postgres \(PGlite\) with its data in/);
        expect(output).toContain('ENCRYPTION_KEY is not set: generated one');
        expect(output).toContain('queues: postgres');
        key = /\n\s+(dfm_[A-Za-z0-9_-]{43})\n/.exec(output)?.[1] ?? '';
        expect(key).not.toBe('');
        expect(statSync(join(dataDir, 'encryption.key')).mode & 0o777).toBe(0o600);
        const health = await fetch(`${url}/health`);
        expect(await health.json()).toMatchObject({ status: 'ok' });
        const created = await fetch(`${url}/api/v1/servers`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            name: 'kea-embedded',
            vendor: 'kea',
            address: '127.0.0.1',
            connection: { url: 'http://127.0.0.1:8000/', username: 'u', password: 'p' },
          }),
        });
        expect(created.status).toBe(201);
      } finally {
        expect(await first.stop()).toBe('graceful');
      }
      const second = spawnService({ PORT: '0', DATA_DIR: dataDir });
      try {
        url = await second.ready(120_000);
        expect(second.output()).not.toContain('generated one');
        const listed = await fetch(`${url}/api/v1/servers`, { headers: { Authorization: `Bearer ${key}` } });
        expect(
          ((await listed.json()) as { items: Array<{ name: string; secretsSet: string[] }> }).items,
        ).toMatchObject([{ name: 'kea-embedded', secretsSet: ['password'] }]);
      } finally {
        expect(await second.stop()).toBe('graceful');
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
