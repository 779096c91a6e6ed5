import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { KeaConfig, KeaSubnet4 } from '../src/vendors/kea/kea-config.types.js';
import { RESERVATIONS, specs, toKea } from './support/bench-content.js';
import { type BenchService, medianPhases, withBenchService } from './support/bench-service.js';
import { type KeaServer, startKeaServer } from './support/kea-server.js';
import { type Spread, spread } from './support/stats.js';

/**
 * replicate-relationship, the headline benchmark: replicate a Kea relationship of N subnets x 50 reservations x 5
 * options from the API request until the job reports done (POST /replications, then GET /jobs/{id} every 10 ms as a
 * pipeline would), against the floor measured in the same run on the same servers: the raw Control Agent commands the
 * replication needs sent with a plain HTTP client (undici): config-get on both, then config-test, config-set and
 * config-write on the destination, with the source's subnets put in place of the destination's.
 *
 * The service runs as its own process (`dist/src/main.js`, API and worker) on the local Postgres and Redis, so its
 * peak RSS (VmHWM) is its own. Sizes 100 and 1,000; floor and service alternate; the destination is put back to its
 * starting content (config-set, untimed) and left alone for 4 s before every run. Prints both, the ratio, the
 * scaling time(1,000)/time(100) and the peak RSS. Targets (issue 6): ratio <= 1.10, scaling <= 11, RSS < 300 MB.
 */
// REPLICATE_SIZES=1000 REPLICATE_ROUNDS=1 for a quick look while profiling; the defaults are the figures.
const SIZES = (process.env['REPLICATE_SIZES'] ?? '100,1000').split(',').map(Number);
const roundsFor = (size: number): number => Number(process.env['REPLICATE_ROUNDS'] ?? (size <= 100 ? 5 : 3));
const REQUEST_TIMEOUT_MS = 180_000;
const SETTLE_MS = 4_000; // the driver judges races by reload marks from 3 s after a reload

/** The floor: the same Control Agent commands with a plain client, and the least work between them. */
async function floorRun(
  source: KeaServer,
  destination: KeaServer,
): Promise<{ ms: number; phases: Record<string, number> }> {
  const agent = new Agent({ headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  const call = async (server: KeaServer, command: string, args?: object): Promise<KeaConfig | undefined> => {
    const response = await request(server.caUrl, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command, service: ['dhcp4'], ...(args ? { arguments: args } : {}) }),
    });
    const [answer] = (await response.body.json()) as Array<{ result: number; arguments?: KeaConfig }>;
    if (answer?.result !== 0) throw new Error(`${command}: ${JSON.stringify(answer).slice(0, 500)}`);
    return answer.arguments;
  };
  const phases: Record<string, number> = {};
  let last = performance.now();
  const lap = (phase: string): void => {
    const now = performance.now();
    phases[phase] = Math.round(now - last);
    last = now;
  };
  try {
    const started = performance.now();
    const [from, to] = await Promise.all([call(source, 'config-get'), call(destination, 'config-get')]);
    lap('read');
    const incoming = new Map((from!.Dhcp4.subnet4 ?? []).map((subnet) => [subnet.subnet, subnet]));
    const { hash: _hash, ...next } = to as KeaConfig & { hash?: string };
    next.Dhcp4.subnet4 = (next.Dhcp4.subnet4 ?? []).map((subnet): KeaSubnet4 => {
      const copy = incoming.get(subnet.subnet);
      return copy ? { ...copy, id: subnet.id } : subnet;
    });
    lap('copy');
    await call(destination, 'config-test', next);
    lap('test');
    await call(destination, 'config-set', next);
    lap('set');
    await call(destination, 'config-write');
    lap('persist');
    return { ms: performance.now() - started, phases };
  } finally {
    await agent.close();
  }
}

/** What a replication must leave on the destination, compared between the floor's run and the service's. */
function essence(config: KeaConfig): string {
  return JSON.stringify(
    (config.Dhcp4.subnet4 ?? []).map((subnet) => ({
      subnet: subnet.subnet,
      pools: subnet.pools?.map((pool) => pool.pool.replace(/\s/g, '')),
      options: subnet['option-data']?.map((option) => [option.name, option.data]).sort(),
      reservations: subnet.reservations?.map((r) => [r['ip-address'], r['hw-address'], r.hostname]),
    })),
  );
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const spreadText = (s: Spread): string => `${seconds(s.min)}/${seconds(s.median)}/${seconds(s.max)}`;

export async function run(): Promise<void> {
  const [a, b] = [
    await startKeaServer({ name: 'bench-repl-a', startTimeoutMs: 60_000 }),
    await startKeaServer({ name: 'bench-repl-b', startTimeoutMs: 60_000 }),
  ];
  try {
    // e.g. REPLICATE_NODE_OPTIONS=--max-old-space-size=160 to see how the service fares with a smaller heap
    await withBenchService(process.env['REPLICATE_NODE_OPTIONS'] ?? '', (service) => measure(service, a, b));
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

async function measure(service: BenchService, a: KeaServer, b: KeaServer): Promise<void> {
  const register = async (server: KeaServer): Promise<string> =>
    (
      await service.api('POST', '/api/v1/servers', {
        name: server.name,
        vendor: 'kea',
        address: server.host,
        connection: { url: server.caUrl, timeoutMs: REQUEST_TIMEOUT_MS },
      })
    )['id'] as string;
  const [idA, idB] = [await register(a), await register(b)];
  const relationship = await service.api('POST', '/api/v1/relationships', {
    name: 'bench-pair',
    vendor: 'kea',
    mode: 'hot-standby',
    servers: [
      { serverId: idA, role: 'primary' },
      { serverId: idB, role: 'standby' },
    ],
    settings: { heartbeatDelay: 1000, maxResponseDelay: 3000, maxAckDelay: 1000, maxUnackedClients: 0 },
  });
  const body = { kind: 'relationship', sourceServerId: idA, relationshipId: relationship['id'] };

  const command = async (server: KeaServer, name: string, args?: object): Promise<KeaConfig | undefined> => {
    const answer = await server.command<KeaConfig>(name, args, { timeoutMs: REQUEST_TIMEOUT_MS });
    if (answer.result !== 0) throw new Error(`${name} failed: ${JSON.stringify(answer).slice(0, 500)}`);
    return answer.arguments;
  };
  const withOnly = (config: KeaConfig, subnets: KeaSubnet4[]): KeaConfig => ({
    Dhcp4: { ...config.Dhcp4, subnet4: subnets.map((subnet, index) => ({ id: index + 1, ...subnet })) },
  });
  const baseA = (await command(a, 'config-get'))!;
  const baseB = (await command(b, 'config-get'))!;
  const medians: Record<number, number> = {};
  for (const size of SIZES) {
    await command(a, 'config-set', withOnly(baseA, specs(1, size).map(toKea)));
    const start = withOnly(baseB, specs(0, size).map(toKea));
    const reset = async (): Promise<void> => {
      await command(b, 'config-set', start);
      await command(b, 'config-write');
      await sleep(SETTLE_MS);
    };
    const floor: number[] = [];
    const product: number[] = [];
    const phases: Array<Record<string, number>> = [];
    const floorPhases: Array<Record<string, number>> = [];
    const results: Record<string, string> = {};
    for (let round = 0; round < roundsFor(size); round++) {
      for (const which of round % 2 === 0 ? ['floor', 'service'] : ['service', 'floor']) {
        await reset();
        if (which === 'floor') {
          const { ms, phases: leg } = await floorRun(a, b);
          floor.push(ms);
          floorPhases.push(leg);
        } else {
          const { ms, phases: leg } = await service.replicate(body, REQUEST_TIMEOUT_MS);
          product.push(ms);
          phases.push(leg);
        }
        if (round === 0) results[which] = essence((await command(b, 'config-get'))!);
      }
    }
    if (results['floor'] !== results['service']) {
      throw new Error(`floor and service left different content on the destination (${size} subnets)`);
    }
    const f = spread(floor);
    const s = spread(product);
    medians[size] = s.median;
    process.stdout.write(
      `replicate-relationship ${size} subnets x ${RESERVATIONS} reservations x 5 options: ` +
        `service ${seconds(s.median)}, raw floor ${seconds(f.median)}, ratio ${(s.median / f.median).toFixed(2)}x ` +
        `(median of ${roundsFor(size)} rounds)\n` +
        `  min/median/max: service ${spreadText(s)}, floor ${spreadText(f)}; ` +
        `service peak RSS so far ${service.peakRssMb().toFixed(0)} MB\n` +
        `  the job's phases (median ms): ${medianPhases(phases)}\n` +
        `  the floor's phases (median ms): ${medianPhases(floorPhases)}\n`,
    );
  }
  const scaling =
    medians[1000] && medians[100]
      ? `time(1000)/time(100) = ${(medians[1000] / medians[100]).toFixed(2)}; `
      : '';
  process.stdout.write(
    `replicate-relationship scaling: ${scaling}service peak RSS ${service.peakRssMb().toFixed(0)} MB (VmHWM)\n`,
  );
}
