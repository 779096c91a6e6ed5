/**
 * The service as the benchmarks run it: its own process (`dist/src/main.js`, API and worker) on the local Postgres
 * (a database made for the run) and Redis, driven over HTTP as a pipeline would.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const POLL_MS = 10;
export const REQUEST_TIMEOUT_MS = 180_000;

export const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = 'redis://127.0.0.1:6379';
const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface Service {
  url: string;
  pid: number;
  key: string;
  stop(): Promise<void>;
}

export async function startService(databaseUrl: string, prefix: string): Promise<Service> {
  const key = `dfm_${randomBytes(24).toString('base64url')}`;
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      REDIS_URL: REDIS,
      QUEUE_PREFIX: prefix,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      BOOTSTRAP_API_KEY: key,
      LOG_LEVEL: 'info',
      // e.g. REPLICATE_NODE_OPTIONS=--max-old-space-size=160 to see how the service fares with a smaller heap
      NODE_OPTIONS: process.env['REPLICATE_NODE_OPTIONS'] ?? '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  };
  for (let i = 0; i < 1200; i++) {
    const url = /Listening on (http:\/\/[^\s"]+) /.exec(output)?.[1];
    if (url) return { url, pid: child.pid!, key, stop };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  await stop();
  throw new Error(`service did not start:\n${output.slice(-4000)}`);
}

/** Peak resident set of a process, in MB (Linux VmHWM). */
export function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

export async function api(
  service: Service,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${service.key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * The product: from the request until the job reports done, polled as a well-behaved pipeline does (every 10 ms,
 * with the last ETag in If-None-Match, so an unchanged job is a bare 304); with the job's own phase timings.
 */
export async function serviceRun(
  service: Service,
  body: Record<string, unknown>,
): Promise<{ ms: number; phases: Record<string, number> }> {
  const started = performance.now();
  const accepted = await api(service, 'POST', '/api/v1/replications', body);
  let tag = '';
  for (;;) {
    const response = await fetch(`${service.url}/api/v1/jobs/${accepted['id'] as string}`, {
      headers: { Authorization: `Bearer ${service.key}`, ...(tag ? { 'If-None-Match': tag } : {}) },
    });
    if (response.status === 200) {
      tag = response.headers.get('etag') ?? '';
      const job = (await response.json()) as Record<string, unknown>;
      const state = job['state'] as string;
      if (state === 'succeeded') {
        const timings = (job['outcome'] as { timings: Record<string, Record<string, number>> }).timings;
        return { ms: performance.now() - started, phases: Object.values(timings)[0] ?? {} };
      }
      if (state !== 'queued' && state !== 'running') {
        throw new Error(`replication ended ${state}: ${JSON.stringify(job).slice(0, 1000)}`);
      }
    } else if (response.status !== 304) {
      throw new Error(`GET job: ${response.status} ${await response.text()}`);
    }
    if (performance.now() - started > REQUEST_TIMEOUT_MS) throw new Error('replication did not finish');
    await sleep(POLL_MS);
  }
}

/** Runs `measure` with the service started on a database of its own, dropped afterwards. */
export async function withBenchService(measure: (service: Service) => Promise<void>): Promise<void> {
  const name = `dfm_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  let service: Service | undefined;
  try {
    service = await startService(PG_ADMIN.replace(/\/postgres$/, `/${name}`), name);
    await measure(service);
  } finally {
    await service?.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
