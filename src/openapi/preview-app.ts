import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { WORKER_CONCURRENCY, WORKER_LOCK_DURATION_MS } from '../jobs/job-options.constants.js';
import {
  AppConfig,
  DISCOVERY_MAX_AGE_SECONDS,
  JOB_RETENTION_DAYS,
  jobRetentionMs,
} from '../config/app-config.js';
import { configureApp } from '../http/configure-app.js';
import { buildOpenApiDocument } from './openapi-document.js';

/**
 * The app in preview mode: modules and controllers are scanned, no provider is instantiated, so no database, queue
 * or key is needed. The config values below are never read.
 */
export async function generateOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = new AppConfig({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    dataDir: '/nonexistent',
    database: { url: 'postgres://preview.invalid/none', embedded: false },
    queue: { backend: 'redis', url: 'redis://preview.invalid', prefix: 'preview' },
    encryptionKey: Buffer.alloc(32),
    jobs: {
      concurrency: WORKER_CONCURRENCY,
      lockDurationMs: WORKER_LOCK_DURATION_MS,
      retentionMs: jobRetentionMs(JOB_RETENTION_DAYS),
    },
    discovery: { maxAgeMs: DISCOVERY_MAX_AGE_SECONDS * 1000 },
    isc: { sshIdleMs: 0, localTransport: false },
    roles: { api: true, worker: false },
  });
  const app: INestApplication = await NestFactory.create(AppModule.forRoot(config), {
    preview: true,
    logger: false,
    bodyParser: false,
  });
  configureApp(app);
  const document = buildOpenApiDocument(app);
  await app.close();
  return document as unknown as Record<string, unknown>;
}

export function serializeOpenApiDocument(document: Record<string, unknown>): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
