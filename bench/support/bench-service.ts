import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { median } from './stats.js';

/**
 * The built service (`dist/src/main.js`, API and worker) as its own process on a database of its own on the local
 * Postgres and the local Redis, for the benchmarks that time the product end to end (its peak RSS is its own).
 */
const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = 'redis://127.0.0.1:6379';
const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
/**
 * How the benchmark's client follows a job. By default it holds each poll open with `Prefer: wait` (GET /jobs/{id}
 * answers when the job changes), as a pipeline would; BENCH_POLL_MS=10 polls every 10 ms instead (each poll answered
 * at once, 304 while unchanged), as the figures before long polling were taken.
 */
const POLL_MS = Number(process.env['BENCH_POLL_MS'] ?? 0);
const PREFER_WAIT: Record<string, string> = POLL_MS > 0 ? {} : { Prefer: 'wait=50' };

export interface BenchService {
  url: string;
  pid: number;
  key: string;
  /** Peak resident set so far, in MB (Linux VmHWM). */
  peakRssMb(): number;
  /** An API call with the bootstrap key; a status >= 300 is an error with the problem's text. */
  api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /**
   * `POST /replications` with `body`, then the job followed as a well-behaved pipeline does (the last ETag in
   * If-None-Match with `Prefer: wait`, or every BENCH_POLL_MS ms without) until it succeeds: the time from the
   * request, and the first leg's phase timings from the job's `outcome.timings`.
   */
  replicate(
    body: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<{ ms: number; phases: Record<string, number> }>;
}

/**
 * Creates a database, starts the service on it, runs `use`, then stops the service (SIGTERM by PID, SIGKILL after
 * 15 s) and drops the database. `nodeOptions` is the service's NODE_OPTIONS.
 */
export async function withBenchService<T>(
  nodeOptions: string,
  use: (service: BenchService) => Promise<T>,
): Promise<T> {
  const name = `dfm_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  let started: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    started = await startService(PG_ADMIN.replace(/\/postgres$/, `/${name}`), name, nodeOptions);
    return await use(started.service);
  } catch (error) {
    // What the service said last is usually what explains a failed run (a crash, a refused request).
    if (started) process.stderr.write(`the service's last output:\n${started.output().slice(-4000)}\n`);
    throw error;
  } finally {
    await started?.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function startService(
  databaseUrl: string,
  prefix: string,
  nodeOptions: string,
): Promise<{ service: BenchService; stop: () => Promise<void>; output: () => string }> {
  const key = `dfm_${randomBytes(24).toString('base64url')}`;
  // e.g. BENCH_SERVICE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (flags NODE_OPTIONS does not allow)
  const nodeArgs = (process.env['BENCH_SERVICE_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
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
      NODE_OPTIONS: nodeOptions,
      // e.g. ISC_SSH_IDLE_SECONDS=0 to time the service without its pooled SSH connections
      ...(process.env['ISC_SSH_IDLE_SECONDS']
        ? { ISC_SSH_IDLE_SECONDS: process.env['ISC_SSH_IDLE_SECONDS'] }
        : {}),
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
    if (url) return { service: serviceAt(url, child.pid!, key), stop, output: () => output };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  await stop();
  throw new Error(`service did not start:\n${output.slice(-4000)}`);
}

function serviceAt(url: string, pid: number, key: string): BenchService {
  const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  const replicate = async (
    body: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<{ ms: number; phases: Record<string, number> }> => {
    const started = performance.now();
    const accepted = await api('POST', '/api/v1/replications', body);
    let tag = '';
    for (;;) {
      const poll = (): Promise<Response> =>
        fetch(`${url}/api/v1/jobs/${accepted['id'] as string}`, {
          headers: {
            Authorization: `Bearer ${key}`,
            ...(tag ? { 'If-None-Match': tag, ...PREFER_WAIT } : {}),
          },
        });
      // A kept-alive connection the server closed just as it was reused fails the request before it was sent (more
      // likely while the service is busy): a poll is safe to send again, once.
      const response = await poll().catch((error: unknown) => {
        process.stderr.write(`poll failed (${String((error as Error).cause ?? error)}), sent again\n`);
        return poll();
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
      if (performance.now() - started > timeoutMs) throw new Error('replication did not finish');
      if (POLL_MS > 0) await sleep(POLL_MS);
    }
  };
  return { url, pid, key, api, replicate, peakRssMb: () => peakRssMb(pid) };
}

function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Median of each phase over the runs, as `read 123, write 456`. */
export function medianPhases(runs: Array<Record<string, number>>): string {
  return Object.keys(runs[0] ?? {})
    .map((phase) => `${phase} ${median(runs.map((run) => run[phase] ?? 0))}`)
    .join(', ');
}
