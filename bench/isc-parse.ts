import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from '../src/vendors/isc/conf/parser.js';
import { print } from '../src/vendors/isc/conf/printer.js';
import { dhcpdConfContent, HOSTS } from './support/dhcpd-conf-content.js';
import { type Spread, spread } from './support/stats.js';

/**
 * isc-parse: parse + print of a dhcpd.conf of 1,000 subnets x 50 hosts x 5 options with the lossless parser
 * (`parse`, then `print`, in-process), in two shapes (5 options per subnet as in kea-write; and 5 more per host, three
 * times the size), each against the floor measured in the same run on the same file: `dhcpd -t -cf FILE
 * -lf LEASES` as a child process (dhcpd's own parse and check of the file, which every write runs anyway). Target
 * (issue 7): parse + print in at most half of dhcpd's time.
 *
 * Each file is checked first (dhcpd must accept it; print must give it back byte for byte). Then the two alternate,
 * ROUNDS rounds each, which goes first swapping every round so drift on the shared machine favours neither.
 */
const SUBNETS = 1_000;
const ROUNDS = 7;
const DHCPD = process.env.DHCPD_BIN ?? '/usr/sbin/dhcpd';
const DHCPD_TIMEOUT_MS = 120_000;

const run$ = promisify(execFile);

async function dhcpdCheck(conf: string, leases: string): Promise<number> {
  const started = performance.now();
  try {
    await run$(DHCPD, ['-t', '-cf', conf, '-lf', leases], {
      timeout: DHCPD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`dhcpd -t rejected ${conf}:\n${(stderr ?? stdout ?? String(error)).slice(-2_000)}`, {
      cause: error,
    });
  }
  return performance.now() - started;
}

function parsePrint(text: string, path: string): { ms: number; printed: string } {
  const started = performance.now();
  const printed = print(parse(text, path));
  return { ms: performance.now() - started, printed };
}

const ms = (value: number): string => `${value.toFixed(0)} ms`;
const spreadText = (s: Spread): string => `${ms(s.min)}/${ms(s.median)}/${ms(s.max)}`;

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-isc-parse-'));
  try {
    const leases = join(dir, 'dhcpd.leases');
    await writeFile(leases, '');
    for (const hostOptions of [0, 5]) {
      const label =
        hostOptions === 0
          ? `${SUBNETS} subnets x ${HOSTS} hosts, 5 options per subnet`
          : `${SUBNETS} subnets x ${HOSTS} hosts, 5 options per subnet and ${hostOptions} more per host`;
      await scenario(
        label,
        join(dir, `dhcpd-${hostOptions}.conf`),
        leases,
        dhcpdConfContent(SUBNETS, hostOptions),
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function scenario(label: string, conf: string, leases: string, text: string): Promise<void> {
  await writeFile(conf, text);
  // Checked once, untimed: dhcpd accepts the file and the parser gives it back byte for byte.
  await dhcpdCheck(conf, leases);
  if (parsePrint(text, conf).printed !== text)
    throw new Error(`${label}: print(parse(text)) differs from the input`);

  const floor: number[] = [];
  const parser: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const which of round % 2 === 0 ? ['floor', 'parser'] : ['parser', 'floor']) {
      if (which === 'floor') floor.push(await dhcpdCheck(conf, leases));
      else parser.push(parsePrint(text, conf).ms);
    }
  }

  const f = spread(floor);
  const p = spread(parser);
  const mb = (Buffer.byteLength(text) / 1e6).toFixed(1);
  process.stdout.write(
    `isc-parse ${label} (${mb} MB): parse + print ${ms(p.median)}, dhcpd -t ${ms(f.median)}, ` +
      `ratio ${(p.median / f.median).toFixed(2)}x (median of ${ROUNDS} rounds; target <= 0.5x)\n` +
      `  min/median/max: parse + print ${spreadText(p)}, dhcpd -t ${spreadText(f)}\n`,
  );
}
