import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { DhcpDriver, ServerTarget } from '../src/vendors/driver.js';
import type { ScopeContent } from '../src/vendors/scope-content.js';
import { configDigest } from '../src/vendors/kea/kea-config-update.js';
import type { KeaConfig, KeaSubnet4 } from '../src/vendors/kea/kea-config.types.js';
import { KeaControlAgentClient } from '../src/vendors/kea/kea-control-agent.client.js';
import { KeaDriver } from '../src/vendors/kea/kea.driver.js';
import { RESERVATIONS, specs, toKea, toScope, withSubnets } from './support/bench-content.js';
import { type KeaServer, startKeaServer } from './support/kea-server.js';
import { type Spread, spread } from './support/stats.js';

/**
 * kea-write: 1,000 subnets x 50 reservations x 5 options written to a real Kea 2.2 through the driver
 * (`KeaDriver.writeScopes`), against the floor measured in the same run on the same server: config-get,
 * config-test, config-set, config-write of the same resulting configuration sent with a plain HTTP client (undici).
 *
 * Two scenarios: `create` (the server holds 2 subnets; all 1,000 are new, so config-get is small) and `replace` (the
 * server already holds the 1,000 subnets with other content, so config-get answers the whole configuration, about
 * 10 MB as Kea prints it, and a second read for race detection would cost as much as the first). Floor and driver alternate, 5 rounds each; the
 * server is put back to the scenario's starting configuration (config-set, untimed) before every run and left alone
 * for 4 s, so the driver's reload mark can judge the race (it cannot within 3 s of a reload). A last variant runs the
 * driver right after the reset to show what the digest fallback (a second config-get) costs.
 *
 * The driver's calls are counted and timed by wrapping KeaControlAgentClient.prototype.command (product code is not
 * changed). Both writes must leave the same configuration on the server; the benchmark checks that by digest after the
 * first run of each.
 */
const SUBNETS = 1_000;
const ROUNDS = 5;
const UNDECIDED_ROUNDS = 3;
const REQUEST_TIMEOUT_MS = 180_000;
const DEADLINE_MS = 30 * 60_000;
/** Kea's `reload` has a resolution of one second and the driver cannot judge a reload less than 3 s old. */
const SETTLE_MS = 4_000;
const PARTS = ['options', 'reservations', 'pools', 'exclusions'] as const;

// ---------------------------------------------------------------------------------------------------------------
// The floor: a plain HTTP client.

interface CallTiming {
  command: string;
  ms: number;
}

interface RunResult {
  ms: number;
  calls: CallTiming[];
  /** Bytes of the config-set request body. */
  bytes: number;
}

async function floorRun(server: KeaServer, subnets: KeaSubnet4[]): Promise<RunResult> {
  const agent = new Agent({ headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  const calls: CallTiming[] = [];
  let bytes = 0;
  const call = async (command: string, args?: object): Promise<Record<string, unknown> | undefined> => {
    const started = performance.now();
    const body = JSON.stringify({ command, service: ['dhcp4'], ...(args ? { arguments: args } : {}) });
    if (command === 'config-set') bytes = Buffer.byteLength(body);
    const response = await request(server.caUrl, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const [answer] = (await response.body.json()) as Array<{
      result: number;
      text?: string;
      arguments?: Record<string, unknown>;
    }>;
    if (response.statusCode !== 200 || answer?.result !== 0) {
      throw new Error(`${command}: HTTP ${response.statusCode} ${JSON.stringify(answer).slice(0, 500)}`);
    }
    calls.push({ command, ms: performance.now() - started });
    return answer.arguments;
  };
  try {
    const started = performance.now();
    const { hash: _hash, ...current } = (await call('config-get')) as KeaConfig & { hash?: string };
    const next = withSubnets(current, subnets);
    await call('config-test', next);
    await call('config-set', next);
    await call('config-write');
    return { ms: performance.now() - started, calls, bytes };
  } finally {
    await agent.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The driver, with its Control Agent calls timed by wrapping the client's prototype.

let driverCalls: CallTiming[] | undefined;

function instrumentClient(): () => void {
  const prototype = KeaControlAgentClient.prototype;
  // Taken from the descriptor: the method is only ever called with the client as `this` (see `timed`).
  const original = Object.getOwnPropertyDescriptor(prototype, 'command')?.value as typeof prototype.command;
  async function timed(this: KeaControlAgentClient, command: string, args?: Record<string, unknown>) {
    const started = performance.now();
    try {
      return await original.call(this, command, args);
    } finally {
      driverCalls?.push({ command, ms: performance.now() - started });
    }
  }
  prototype.command = timed as typeof original;
  return () => {
    prototype.command = original;
  };
}

async function driverRun(target: ServerTarget, writes: ScopeContent[]): Promise<RunResult> {
  const driver: DhcpDriver = new KeaDriver();
  const calls: CallTiming[] = [];
  driverCalls = calls;
  try {
    const started = performance.now();
    await driver.writeScopes(
      target,
      writes.map((content) => ({ content, parts: PARTS })),
      { principalId: 'bench', correlationId: 'kea-write' },
    );
    return { ms: performance.now() - started, calls, bytes: 0 };
  } finally {
    driverCalls = undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reporting

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const spreadText = (s: Spread): string => `${seconds(s.min)}/${seconds(s.median)}/${seconds(s.max)}`;

/**
 * The calls in the order made, each with its median time over the runs (every run of one kind makes the same calls),
 * then the median time spent outside any call (the client's own work: mapping, copying, digests).
 */
function breakdown(runs: RunResult[]): string {
  const sequence = runs[0].calls.map((call) => call.command);
  const same = runs.every((run) => run.calls.map((call) => call.command).join() === sequence.join());
  if (!same) throw new Error(`runs made different calls: ${runs.map((run) => run.calls.length).join('/')}`);
  const calls = sequence.map((command, position) => {
    const ms = runs.map((run) => run.calls[position].ms);
    return `${command} ${spread(ms).median.toFixed(0)}`;
  });
  const outside = runs.map((run) => run.ms - run.calls.reduce((sum, call) => sum + call.ms, 0));
  return `${calls.join(', ')}; outside calls ${spread(outside).median.toFixed(0)}`;
}

function report(label: string, floor: RunResult[], driver: RunResult[]): void {
  const f = spread(floor.map((run) => run.ms));
  const d = spread(driver.map((run) => run.ms));
  const mb = (spread(floor.map((run) => run.bytes)).median / 1e6).toFixed(1);
  process.stdout.write(
    `kea-write ${label}: driver ${seconds(d.median)}, raw floor ${seconds(f.median)}, ` +
      `ratio ${(d.median / f.median).toFixed(2)}x (median of ${ROUNDS} rounds; ` +
      `${SUBNETS} subnets x ${RESERVATIONS} reservations x 5 options, ${mb} MB config-set)\n` +
      `  min/median/max: driver ${spreadText(d)}, floor ${spreadText(f)}\n` +
      `  floor  calls (median ms): ${breakdown(floor)}\n` +
      `  driver calls (median ms): ${breakdown(driver)}\n`,
  );
}

// ---------------------------------------------------------------------------------------------------------------

async function withDeadline<T>(ms: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`kea-write did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function run(): Promise<void> {
  const server = await startKeaServer({ name: 'bench-kea-write', startTimeoutMs: 60_000 });
  const restore = instrumentClient();
  try {
    await withDeadline(DEADLINE_MS, () => measure(server));
  } finally {
    restore();
    await server.stop();
  }
}

async function measure(server: KeaServer): Promise<void> {
  const target: ServerTarget = {
    id: 'bench',
    name: server.name,
    vendor: 'kea',
    address: server.host,
    connection: { url: server.caUrl, timeoutMs: REQUEST_TIMEOUT_MS },
    secrets: {},
  };
  const written = specs(1, SUBNETS);
  const scopes = written.map(toScope);
  const subnets = written.map(toKea);

  const command = async (name: string, args?: object): Promise<void> => {
    const answer = await server.command(name, args, { timeoutMs: REQUEST_TIMEOUT_MS });
    if (answer.result !== 0) throw new Error(`${name} failed: ${JSON.stringify(answer).slice(0, 500)}`);
  };
  const reset = async (config: KeaConfig, settle = true): Promise<void> => {
    await command('config-set', config);
    await command('config-write');
    if (settle) await sleep(SETTLE_MS);
  };
  const dhcp4 = async (): Promise<KeaConfig['Dhcp4']> => {
    const answer = await server.command<KeaConfig>('config-get', undefined, {
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    if (answer.result !== 0 || !answer.arguments) throw new Error(`config-get failed: ${answer.text}`);
    return answer.arguments.Dhcp4;
  };

  const small: KeaConfig = { Dhcp4: await dhcp4() };
  await reset(withSubnets(small, specs(0, SUBNETS).map(toKea)), false);
  const large: KeaConfig = { Dhcp4: await dhcp4() };

  const scenarios: Array<{ label: string; start: KeaConfig }> = [
    { label: `create (server holds ${small.Dhcp4.subnet4?.length ?? 0} subnets)`, start: small },
    { label: `replace (server holds the ${SUBNETS} subnets with other content)`, start: large },
  ];
  for (const scenario of scenarios) {
    const floor: RunResult[] = [];
    const driver: RunResult[] = [];
    const results: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so drift on the shared machine does not favour either.
      for (const which of round % 2 === 0 ? ['floor', 'driver'] : ['driver', 'floor']) {
        await reset(scenario.start);
        if (which === 'floor') floor.push(await floorRun(server, subnets));
        else driver.push(await driverRun(target, scopes));
        if (round === 0) results.push(`${which} ${configDigest(await dhcp4())}`);
      }
    }
    if (new Set(results.map((entry) => entry.split(' ')[1])).size !== 1) {
      throw new Error(`floor and driver left different configurations: ${results.join(', ')}`);
    }
    report(scenario.label, floor, driver);
  }

  // The driver when the reload mark cannot judge (server reloaded < 3 s before): it reads the configuration again.
  const undecided: RunResult[] = [];
  for (let round = 0; round < UNDECIDED_ROUNDS; round++) {
    await reset(large, false);
    undecided.push(await driverRun(target, scopes));
  }
  const u = spread(undecided.map((run) => run.ms));
  process.stdout.write(
    `kea-write replace, driver right after a reload (reload mark undecidable, digest re-read): ` +
      `${seconds(u.median)} (min/median/max ${spreadText(u)})\n` +
      `  driver calls (median ms): ${breakdown(undecided)}\n`,
  );
}
