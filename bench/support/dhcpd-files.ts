/**
 * A dhcpd configuration in a temp directory, as an ISC server registration points at it: dhcpd.conf including
 * subnets.conf, an empty leases file, and a restart command. The restart command stands in for
 * `systemctl restart isc-dhcp-server` without running a daemon: it checks the live files with the real `dhcpd -t`,
 * as a starting dhcpd would, and logs each run. A test makes it fail with {@link RESTART_FAILS_MARKER} in dhcpd.conf
 * (a configuration dhcpd -t accepts but the daemon would not start with, such as a port already taken) or for every
 * run with {@link DhcpdFiles.failAllRestarts}.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const DHCPD_BIN = process.env['DHCPD_BIN'] ?? '/usr/sbin/dhcpd';
export const RESTART_FAILS_MARKER = '# dfm-test: restart fails';

export interface DhcpdFiles {
  dir: string;
  configPath: string;
  /** subnets.conf, included by dhcpd.conf with its absolute path. */
  includePath: string;
  leasesPath: string;
  /** A shell command line, as registered in `restartCommand`. */
  restartCommand: string;
  /** The restart runs so far: `ok <sha256 of dhcpd.conf>` or `fail <sha256>` per line. */
  restarts(): Promise<string[]>;
  /** From now on every restart fails, including the one after a restore. */
  failAllRestarts(): Promise<void>;
  /**
   * From now on a restart waits (at most 60 s) until releaseRestarts, after saying so (restartHeld): a test can stop
   * the service mid-write, after the new files are in place.
   */
  holdRestarts(): Promise<void>;
  restartHeld(): boolean;
  releaseRestarts(): Promise<void>;
  /** Removes the directory. */
  cleanup(): Promise<void>;
}

export const SUBNETS_CONF = `# Subnets served by the test server.
subnet 127.0.0.0 netmask 255.0.0.0 {
}

subnet 192.0.2.0 netmask 255.255.255.0 {
  range 192.0.2.100 192.0.2.199;
  option routers 192.0.2.1;
}
`;

export function mainConf(includePath: string): string {
  return `# dhcpd.conf of a test server
authoritative;
default-lease-time 600;
max-lease-time 7200;

include "${includePath}";
`;
}

export async function makeDhcpdFiles(name = 'isc'): Promise<DhcpdFiles> {
  if (!existsSync(DHCPD_BIN)) throw new Error(`${DHCPD_BIN} is missing; run scripts/ensure-test-services.sh`);
  const dir = await mkdtemp(path.join(os.tmpdir(), `dhcpd-${name.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  const configPath = path.join(dir, 'dhcpd.conf');
  const includePath = path.join(dir, 'subnets.conf');
  const leasesPath = path.join(dir, 'dhcpd.leases');
  const logPath = path.join(dir, 'restarts.log');
  const failAlways = path.join(dir, 'restart-fails-always');
  const script = path.join(dir, 'restart.sh');
  const hold = path.join(dir, 'restart-hold');
  const held = path.join(dir, 'restart-held');
  await writeFile(configPath, mainConf(includePath));
  await writeFile(includePath, SUBNETS_CONF);
  await writeFile(leasesPath, '');
  await writeFile(
    script,
    [
      '#!/bin/sh',
      `conf='${configPath}'`,
      `if [ -e '${hold}' ]; then`,
      `  touch '${held}'`,
      '  i=0',
      `  while [ -e '${hold}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done`,
      'fi',
      'sum=$(sha256sum < "$conf" | cut -d" " -f1)',
      `if [ -e '${failAlways}' ] || grep -qF '${RESTART_FAILS_MARKER}' "$conf"; then`,
      `  echo "fail $sum" >> '${logPath}'`,
      '  echo "dhcpd: Address already in use (simulated start failure)" >&2',
      '  exit 1',
      'fi',
      `if ! out=$('${DHCPD_BIN}' -t -cf "$conf" -lf '${leasesPath}' 2>&1); then`,
      `  echo "fail $sum" >> '${logPath}'`,
      '  echo "$out" >&2',
      '  exit 1',
      'fi',
      `echo "ok $sum" >> '${logPath}'`,
      'echo restarted',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return {
    dir,
    configPath,
    includePath,
    leasesPath,
    restartCommand: `/bin/sh '${script}'`,
    restarts: async () =>
      existsSync(logPath) ? (await readFile(logPath, 'utf8')).split('\n').filter((line) => line !== '') : [],
    failAllRestarts: () => writeFile(failAlways, ''),
    holdRestarts: () => writeFile(hold, ''),
    restartHeld: () => existsSync(held),
    releaseRestarts: () => rm(hold, { force: true }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
