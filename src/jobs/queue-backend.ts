import {
  createPostgresBackend,
  Queue,
  type PostgresConnectionOptions,
  Worker,
  withBackend,
  type Processor,
  type QueueOptions,
  type WorkerOptions,
} from 'bullmq';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { QUEUE_SCHEMA } from '../database/embedded-stores.js';

/**
 * Where BullMQ keeps its queues. The one place that knows whether that is Redis or Postgres; everything else
 * asks this for queues and workers.
 */
export abstract class QueueBackend {
  abstract queue(name: string): Queue;
  abstract worker(name: string, processor: Processor, options: Omit<WorkerOptions, 'connection'>): Worker;
  /** Throws when the store does not answer (health). */
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
}

/** BullMQ on Redis: the production default whenever REDIS_URL is set. */
export class RedisQueueBackend extends QueueBackend {
  private readonly connections: Redis[] = [];
  private readonly queues = new Map<string, Queue>();
  private readonly control: Redis;

  constructor(
    private readonly url: string,
    private readonly prefix: string,
  ) {
    super();
    this.control = this.connect();
  }

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, this.options());
      this.queues.set(name, queue);
    }
    return queue;
  }

  worker(name: string, processor: Processor, options: Omit<WorkerOptions, 'connection'>): Worker {
    return new Worker(name, processor, { ...options, ...this.options() });
  }

  async ping(): Promise<void> {
    await this.control.ping();
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    await Promise.all(
      this.connections.map((connection) => connection.quit().catch(() => connection.disconnect())),
    );
  }

  private options(): QueueOptions {
    return { connection: this.connect(), prefix: this.prefix };
  }

  private connect(): Redis {
    // Workers block on Redis; BullMQ requires maxRetriesPerRequest null for their connections.
    const connection = new Redis(this.url, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connections.push(connection);
    return connection;
  }
}

/**
 * BullMQ's own PostgreSQL backend: used when REDIS_URL is not set (the embedded default, or DATABASE_URL alone).
 * Same Queue/Worker API, so nothing else changes.
 */
export class PostgresQueueBackend extends QueueBackend {
  private readonly classes = withBackend(createPostgresBackend);
  private readonly queues = new Map<string, Queue>();
  private readonly connection: PostgresConnectionOptions;

  constructor(url: string, schema: string, prefix: string) {
    super();
    const parsed = new URL(url);
    this.connection = {
      host: parsed.hostname,
      port: Number(parsed.port || 5432),
      user: decodeURIComponent(parsed.username || 'postgres'),
      password: decodeURIComponent(parsed.password),
      database: parsed.pathname.slice(1) || 'postgres',
      schema,
      migrate: true,
      max: 1,
    };
    this.prefix = prefix;
  }

  private readonly prefix: string;

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new this.classes.Queue(name, {
        connection: this.connection,
        prefix: this.prefix,
      }) as unknown as Queue;
      this.queues.set(name, queue);
    }
    return queue;
  }

  worker(name: string, processor: Processor, options: Omit<WorkerOptions, 'connection'>): Worker {
    // Postgres NOTIFY does not cross pglite-socket; drainDelay bounds how long an idle worker waits to poll.
    return new this.classes.Worker(name, processor as never, {
      drainDelay: 1,
      ...(options as object),
      connection: this.connection,
      prefix: this.prefix,
    }) as unknown as Worker;
  }

  async ping(): Promise<void> {
    await this.queue('health').getJobCounts('waiting');
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}

export function createQueueBackend(config: AppConfig): QueueBackend {
  if (config.queue.backend === 'redis') {
    return new RedisQueueBackend(config.queue.url, config.queue.prefix);
  }
  return new PostgresQueueBackend(config.queue.url, QUEUE_SCHEMA, config.queue.prefix);
}
