import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { ConfigurationError } from '../config/environment.js';
import { hardenPgliteSocket } from './pglite-socket-hardening.js';

/** Schema BullMQ's Postgres backend keeps its tables in. */
export const QUEUE_SCHEMA = 'bullmq';

export interface EmbeddedStores {
  dataDir: string;
  databaseUrl: string;
  queueDatabaseUrl: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * The embedded default: PGlite (Postgres compiled to WASM) persisted under the data folder and served on a
 * loopback port by pglite-socket, so TypeORM and BullMQ use their ordinary `pg` drivers. Every socket client shares
 * PGlite's one session, hence: the queues get a cluster of their own (a transaction of ours would otherwise swallow
 * their statements), the socket is hardened (pglite-socket-hardening.ts), and the service's pool holds one
 * connection (database/data-source-options.ts). PGlite has no postmaster.pid, so a lock file keeps a second process
 * off the same folder.
 */
export async function startEmbeddedStores(dataDir: string): Promise<EmbeddedStores> {
  const root = resolve(dataDir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const release = lockDataDir(root);
  try {
    const database = await startEmbeddedPostgres(join(root, 'postgres'), ['public']);
    try {
      const queue = await startEmbeddedPostgres(join(root, 'queue'), [QUEUE_SCHEMA, 'public']);
      return {
        dataDir: root,
        databaseUrl: database.url,
        queueDatabaseUrl: queue.url,
        stop: async () => {
          await queue.stop();
          await database.stop();
          release();
        },
      };
    } catch (error) {
      await database.stop();
      throw error;
    }
  } catch (error) {
    release();
    throw error;
  }
}

async function startEmbeddedPostgres(dataDir: string, searchPath: string[]): Promise<EmbeddedPostgres> {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    initialiseInChild(dataDir);
  }
  // Startup-packet options are ignored by the socket, so the one session's search_path is set here.
  const startParams = PGlite.defaultStartParams.map((param) =>
    param.startsWith('search_path=') ? `search_path=${searchPath.join(',')}` : param,
  );
  const db = await PGlite.create({ dataDir, startParams });
  // current_schema() is the first existing schema on the path: create them all so it is always the first.
  for (const schema of searchPath) {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  hardenPgliteSocket(server);
  await server.start();
  return {
    url: `postgres://postgres:postgres@${server.getServerConn()}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/** The first initdb costs ~500 MB that stays allocated; a short-lived child pays it instead of the service. */
function initialiseInChild(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pglite = import.meta.resolve('@electric-sql/pglite');
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { PGlite } = await import(${JSON.stringify(pglite)});` +
        `const db = await PGlite.create({ dataDir: ${JSON.stringify(dataDir)} }); await db.close();`,
    ],
    { stdio: 'inherit', timeout: 120_000 },
  );
}

function lockDataDir(root: string): () => void {
  const path = join(root, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8'));
      if (pid !== process.pid && isAlive(pid)) {
        throw new ConfigurationError([
          `DATA_DIR ${root} is in use by process ${pid}; stop it, or give this instance another DATA_DIR`,
        ]);
      }
      rmSync(path, { force: true }); // left by a process that died
    }
  }
  throw new Error(`Could not lock ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
