import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { AppModule, type AppModuleOptions } from '../../src/app.module.js';
import { WORKER_CONCURRENCY, WORKER_LOCK_DURATION_MS } from '../../src/jobs/job-options.constants.js';
import {
  AppConfig,
  DISCOVERY_MAX_AGE_SECONDS,
  ISC_SSH_IDLE_SECONDS,
  JOB_RETENTION_DAYS,
  jobRetentionMs,
} from '../../src/config/app-config.js';
import { configureApp, mountDocs } from '../../src/http/configure-app.js';
import { watchResponseHeaders } from './documented-headers.js';
import { watchProblemBodies } from './documented-problems.js';
import { cloneTemplateDatabase, type TestDatabase } from './test-database.js';
import { REDIS_URL } from './test-env.js';

export interface TestApp {
  app: INestApplication;
  http: TestAgent;
  database: TestDatabase;
  config: AppConfig;
  /** The bootstrap administrator's key (principal "admin", role Administrators). */
  adminKey: string;
  close(): Promise<void>;
}

/**
 * Boots the whole service in-process on a fresh clone of the migrated template database and the real Redis
 * (queue names prefixed per app, so parallel test files never share a queue).
 */
export async function startTestApp(
  options: AppModuleOptions & {
    worker?: boolean;
    /** ENCRYPTION_KEY_PREVIOUS: earlier keys the app still opens secrets with. */
    previousEncryptionKeys?: Buffer[];
    /** ISC_LOCAL_TRANSPORT (default on here: the protocol tests use transport local). */
    iscLocalTransport?: boolean;
  } = {},
): Promise<TestApp> {
  const database = await cloneTemplateDatabase();
  const adminKey = `dfm_test_${randomBytes(24).toString('base64url')}`;
  const config = new AppConfig({
    port: 0,
    host: '127.0.0.1',
    logLevel: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    dataDir: '/nonexistent',
    database: { url: database.url, embedded: false },
    queue: { backend: 'redis', url: REDIS_URL, prefix: `dfmtest-${randomBytes(4).toString('hex')}` },
    encryptionKey: randomBytes(32),
    previousEncryptionKeys: options.previousEncryptionKeys ?? [],
    bootstrapApiKey: adminKey,
    jobs: {
      concurrency: WORKER_CONCURRENCY,
      lockDurationMs: WORKER_LOCK_DURATION_MS,
      retentionMs: jobRetentionMs(JOB_RETENTION_DAYS),
    },
    discovery: { maxAgeMs: DISCOVERY_MAX_AGE_SECONDS * 1000 },
    // The protocol tests reach dhcpd on this host through transport local as well as over SSH.
    isc: { sshIdleMs: ISC_SSH_IDLE_SECONDS * 1000, localTransport: options.iscLocalTransport ?? true },
    roles: { api: true, worker: options.worker ?? true },
  });
  const app = await NestFactory.create(AppModule.forRoot(config, options), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  const undocumentedProblems = watchProblemBodies(app);
  const undocumentedHeaders = watchResponseHeaders(app);
  const { routes } = configureApp(app);
  mountDocs(app);
  try {
    await app.init();
  } catch (error) {
    // A refused start must not leave connections open (nor the database behind).
    await app.close();
    await database.drop();
    throw error;
  }
  routes.capture(app);
  return {
    app,
    http: request(app.getHttpServer()),
    database,
    config,
    adminKey,
    close: async () => {
      await app.close();
      await database.drop();
      const undocumented = undocumentedProblems();
      if (undocumented.length > 0) {
        throw new Error(
          `Problem members openapi.json does not document (ProblemDetails):\n${[...new Set(undocumented)].join('\n')}`,
        );
      }
      const headers = undocumentedHeaders();
      if (headers.length > 0) {
        throw new Error(
          `Response headers openapi.json does not document:\n${[...new Set(headers)].join('\n')}`,
        );
      }
    },
  };
}

export function bearer(key: string): { Authorization: string } {
  return { Authorization: `Bearer ${key}` };
}
