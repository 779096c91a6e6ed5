import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

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
 * loopback port by pglite-socket, so TypeORM and BullMQ use their ordinary `pg` drivers. The socket puts every
 * client on PGlite's single session, so a transaction of ours would swallow the queue's statements: the queues get
 * a cluster of their own.
 */
export async function startEmbeddedStores(dataDir: string): Promise<EmbeddedStores> {
  const root = resolve(dataDir);
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
      },
    };
  } catch (error) {
    await database.stop();
    throw error;
  }
}

async function startEmbeddedPostgres(dataDir: string, searchPath: string[]): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Startup-packet options are ignored by the socket, so the one session's search_path is set here.
  const startParams = PGlite.defaultStartParams.map((param) =>
    param.startsWith('search_path=') ? `search_path=${searchPath.join(',')}` : param,
  );
  const db = await PGlite.create({ dataDir, startParams });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres:postgres@${address}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
