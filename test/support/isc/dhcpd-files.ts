// A dhcpd configuration in a temp directory lives with the benchmarks (bench/ cannot import test/), which use it too.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DHCPD_BIN, type DhcpdFiles } from '../../../bench/support/dhcpd-files.js';

export * from '../../../bench/support/dhcpd-files.js';

const run = promisify(execFile);

/** Resolves when the real `dhcpd -t` accepts the server's dhcpd.conf as it is now; rejects with dhcpd's output. */
export async function dhcpdAccepts(files: DhcpdFiles): Promise<void> {
  await run(DHCPD_BIN, ['-t', '-cf', files.configPath, '-lf', files.leasesPath]);
}
