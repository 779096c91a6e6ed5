import 'reflect-metadata';
import { Logger as NestLogger, type INestApplication, type INestApplicationContext } from '@nestjs/common';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { pino } from 'pino';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigurationError, parseEnvironment, processEnvironment } from './config/environment.js';
import { resolveConfig } from './config/resolve-config.js';
import { startEmbeddedStores, type EmbeddedStores } from './database/embedded-stores.js';
import { configureApp, mountDocs } from './http/configure-app.js';

export interface Started {
  app: INestApplication | INestApplicationContext;
  config: AppConfig;
  url?: string;
  stop(): Promise<void>;
}

/**
 * Starts the service: validates the environment, brings up embedded stores where Postgres/Redis are not
 * configured, then the API, the worker, or both (the default).
 */
export async function bootstrap(roles: AppConfig['roles'], rawEnv: NodeJS.ProcessEnv): Promise<Started> {
  const env = parseEnvironment(rawEnv);
  let embedded: EmbeddedStores | undefined;
  let app: INestApplication | INestApplicationContext | undefined;
  if (!env.DATABASE_URL) {
    // Before anything else is logged: say where the data will live (Nest's logger does not exist yet).
    pino({ level: env.LOG_LEVEL ?? 'info', base: { context: 'Bootstrap' } }).warn(
      `DATABASE_URL is not set: starting the embedded Postgres (PGlite) with its data in ${resolve(env.DATA_DIR ?? 'data')}` +
        `${env.REDIS_URL ? '' : ', queues on it too (REDIS_URL is not set)'}; set DATABASE_URL and REDIS_URL for production`,
    );
    embedded = await startEmbeddedStores(env.DATA_DIR ?? 'data');
  }
  try {
    const { config, notices } = resolveConfig(
      env,
      {
        databaseUrl: env.DATABASE_URL ?? embedded!.databaseUrl,
        embeddedDatabase: !env.DATABASE_URL,
        queueDatabaseUrl: env.DATABASE_URL ?? embedded!.queueDatabaseUrl,
      },
      roles,
    );
    const module = AppModule.forRoot(config);
    app = roles.api
      ? await NestFactory.create(module, { bufferLogs: true, bodyParser: false, abortOnError: false })
      : await NestFactory.createApplicationContext(module, { bufferLogs: true, abortOnError: false });
    const logger = app.get(Logger);
    app.useLogger(logger);
    app.enableShutdownHooks();
    announce(config, notices, embedded);
    if (!roles.api) {
      await app.init();
      const context = app;
      return { app, config, stop: () => closeAll(context, embedded) };
    }
    const http = app as INestApplication;
    const { routes } = configureApp(http);
    mountDocs(http);
    await http.listen(config.port, config.host);
    routes.capture(http);
    const url = await http.getUrl();
    new NestLogger('Bootstrap').log(`Listening on ${url} (Swagger UI at ${url}/docs)`);
    return { app: http, config, url, stop: () => closeAll(http, embedded) };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
}

/** The first log lines say where data lives and which stores are in use. */
function announce(
  config: AppConfig,
  notices: { level: 'info' | 'warn'; message: string }[],
  embedded?: EmbeddedStores,
): void {
  const logger = new NestLogger('Bootstrap');
  if (embedded) {
    logger.warn(
      `DATABASE_URL is not set: using the embedded Postgres (PGlite) with its data in ${embedded.dataDir}; ` +
        'set DATABASE_URL and REDIS_URL for production',
    );
  }
  logger.log(
    `Database: ${config.database.embedded ? 'embedded' : 'external'}; queues: ${config.queue.backend}` +
      `${config.queue.backend === 'postgres' ? ' (REDIS_URL is not set)' : ''}; roles: ` +
      `${[config.roles.api && 'api', config.roles.worker && 'worker'].filter(Boolean).join('+')}`,
  );
  for (const notice of notices) {
    if (notice.level === 'warn') logger.warn(notice.message);
    else logger.log(notice.message);
  }
}

async function closeAll(
  app: INestApplication | INestApplicationContext,
  embedded?: EmbeddedStores,
): Promise<void> {
  await app.close();
  await embedded?.stop();
}

/** Entry point helper: start, and turn a configuration error into one clear message and exit code 78. */
export function run(roles: AppConfig['roles']): void {
  bootstrap(roles, processEnvironment()).catch((error: unknown) => {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(
      `Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
