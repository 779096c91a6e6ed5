import { resolve } from 'node:path';
import { WORKER_CONCURRENCY, WORKER_LOCK_DURATION_MS } from '../jobs/job-options.constants.js';
import {
  AppConfig,
  DISCOVERY_MAX_AGE_SECONDS,
  ISC_SSH_IDLE_SECONDS,
  JOB_RETENTION_DAYS,
  jobRetentionMs,
} from './app-config.js';
import { decodeEncryptionKey, loadOrCreateKeyFile } from './encryption-key.js';
import { ConfigurationError, type Environment } from './environment.js';

export interface ResolvedStores {
  /** Postgres URL: DATABASE_URL, or the embedded database's. */
  databaseUrl: string;
  embeddedDatabase: boolean;
  /** Postgres URL the queues run on when there is no REDIS_URL. */
  queueDatabaseUrl: string;
}

export interface ConfigNotice {
  level: 'info' | 'warn';
  message: string;
}

/** Combines the validated environment with the stores start-up chose; reports what it decided. */
export function resolveConfig(
  env: Environment,
  stores: ResolvedStores,
  roles: AppConfig['roles'],
): { config: AppConfig; notices: ConfigNotice[] } {
  const notices: ConfigNotice[] = [];
  const dataDir = resolve(env.DATA_DIR ?? 'data');
  let encryptionKey: Buffer;
  if (env.ENCRYPTION_KEY) {
    encryptionKey = decodeEncryptionKey(env.ENCRYPTION_KEY);
  } else if (stores.embeddedDatabase) {
    const file = loadOrCreateKeyFile(dataDir);
    encryptionKey = file.key;
    if (file.created) {
      notices.push({
        level: 'warn',
        message: `ENCRYPTION_KEY is not set: generated one in ${file.path}; losing that file loses the stored credentials`,
      });
    }
  } else {
    throw new ConfigurationError([
      'ENCRYPTION_KEY is required when DATABASE_URL is set: 32 random bytes as 64 hex digits or base64 (openssl rand -base64 32)',
    ]);
  }
  const prefix = env.QUEUE_PREFIX ?? 'dfm';
  const config = new AppConfig({
    port: env.PORT ?? 3000,
    host: env.HOST ?? (stores.embeddedDatabase ? '127.0.0.1' : '0.0.0.0'),
    logLevel: env.LOG_LEVEL ?? 'info',
    dataDir,
    database: { url: stores.databaseUrl, embedded: stores.embeddedDatabase },
    queue: env.REDIS_URL
      ? { backend: 'redis', url: env.REDIS_URL, prefix }
      : { backend: 'postgres', url: stores.queueDatabaseUrl, prefix },
    encryptionKey,
    previousEncryptionKeys: (env.ENCRYPTION_KEY_PREVIOUS?.split(',') ?? [])
      .map(decodeEncryptionKey)
      .filter((key) => !key.equals(encryptionKey)),
    bootstrapApiKey: env.BOOTSTRAP_API_KEY,
    jobs: {
      concurrency: env.JOB_CONCURRENCY ?? WORKER_CONCURRENCY,
      lockDurationMs: env.JOB_LOCK_SECONDS ? env.JOB_LOCK_SECONDS * 1000 : WORKER_LOCK_DURATION_MS,
      retentionMs: jobRetentionMs(env.JOB_RETENTION_DAYS ?? JOB_RETENTION_DAYS),
    },
    discovery: { maxAgeMs: (env.DISCOVERY_MAX_AGE_SECONDS ?? DISCOVERY_MAX_AGE_SECONDS) * 1000 },
    isc: {
      sshIdleMs: (env.ISC_SSH_IDLE_SECONDS ?? ISC_SSH_IDLE_SECONDS) * 1000,
      // Off unless the operator says so: a DHCP administrator must not get to run commands on this host.
      localTransport: env.ISC_LOCAL_TRANSPORT === 'on',
    },
    roles,
  });
  return { config, notices };
}
