import { type ServiceProcess, spawnService } from './service-process.js';
import type { TestApp } from './test-app.js';
import { REDIS_URL } from './test-env.js';

/**
 * Starts a worker process (`main-worker`, as deployed to scale out) on the test app's database and queues, `env`
 * added to its environment. It joins `workers` before it is ready, so that the caller stops it (by PID) even when it
 * never gets there.
 */
export async function startWorker(
  t: TestApp,
  workers: ServiceProcess[],
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const worker = spawnService(
    {
      DATABASE_URL: t.database.url,
      REDIS_URL,
      QUEUE_PREFIX: t.config.queue.prefix,
      ENCRYPTION_KEY: t.config.encryptionKey.toString('hex'),
      // As the test app allows it: the workers reach the same servers.
      ISC_LOCAL_TRANSPORT: t.config.isc.localTransport ? 'on' : 'off',
      ...env,
    },
    'worker',
  );
  workers.push(worker);
  await worker.waitFor(/"msg":"Workers ready"/);
  return worker;
}
