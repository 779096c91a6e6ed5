import { posix } from 'node:path';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import { redactKeySecrets } from './conf/key-secrets.js';
import type { ExecResult, IscTransport } from './transport/isc-transport.js';

export const DEFAULT_DHCPD_PATH = '/usr/sbin/dhcpd';

/** What dhcpd prints around every run and every error; noise in a message meant for the caller. */
const BANNER = [
  /^Internet Systems Consortium DHCP Server/,
  /^Copyright \d{4}/,
  /^All rights reserved\./,
  /^For info, please visit/,
  /^Config file: /,
  /^Database file: /,
  /^PID file: /,
];
const BUG_REPORT_START = /^If you think you have received this message due to a bug/;

/**
 * Checks a dhcpd.conf with the server's own `dhcpd -t -cf <file>` (parse only: it binds nothing and does not read
 * the leases file; `-lf` is passed when registered so the check runs as the daemon is configured). Rejects with
 * `invalid-config` carrying dhcpd's own diagnostics in `vendorMessage`; `renames` maps temporary paths in those
 * diagnostics back to the live names the caller knows. Answers the digests of `digestsAfter` taken as the check
 * finished (ExecOptions.digestsAfter), and its session kept (`hold`), when asked.
 */
export async function validateWithDhcpd(
  transport: IscTransport,
  options: {
    dhcpdPath: string;
    mainPath: string;
    configFile: string;
    leasesPath?: string;
    timeoutMs: number;
    digestsAfter?: readonly string[];
    /** Keep the session for the restart (ExecOptions.hold). */
    hold?: boolean;
  },
  renames: ReadonlyMap<string, string> = new Map(),
): Promise<Pick<ExecResult, 'digests' | 'held'>> {
  const argv = [options.dhcpdPath, '-t', '-cf', options.configFile];
  if (options.leasesPath) argv.push('-lf', options.leasesPath);
  // From the main file's directory: relative include names resolve there, as the parser resolves them.
  const result = await transport.exec(argv, {
    timeoutMs: options.timeoutMs,
    cwd: posix.dirname(options.mainPath),
    ...(options.digestsAfter ? { digestsAfter: options.digestsAfter } : {}),
    ...(options.hold ? { hold: true } : {}),
  });
  if (result.exitCode === 0) return { digests: result.digests, held: result.held };
  result.held?.release();
  if (result.exitCode === 127) {
    throw new DriverError(
      DriverErrorCode.unsupported,
      `${transport.description}: ${options.dhcpdPath} cannot be run (not found); register dhcpdPath`,
      result.stderr,
    );
  }
  const diagnostics = dhcpdDiagnostics(result, renames);
  const first = diagnostics.split('\n').find((line) => line.trim() !== '') ?? `exit code ${result.exitCode}`;
  throw new DriverError(
    DriverErrorCode.invalidConfig,
    `dhcpd -t rejected the configuration: ${first}`,
    diagnostics,
  );
}

/** dhcpd's output without its banner and bug-report boilerplate, temporary paths replaced by live ones. */
export function dhcpdDiagnostics(
  result: ExecResult,
  renames: ReadonlyMap<string, string> = new Map(),
): string {
  const lines: string[] = [];
  for (const line of `${result.stderr}\n${result.stdout}`.split('\n')) {
    if (BUG_REPORT_START.test(line)) break;
    if (BANNER.some((pattern) => pattern.test(line))) continue;
    lines.push(line);
  }
  // dhcpd prints the line it stopped at: a key's secret must not reach the caller or the logs.
  let text = redactKeySecrets(lines.join('\n').trim());
  // Longest first, so a path that prefixes another is not replaced inside it.
  for (const [from, to] of [...renames].sort((a, b) => b[0].length - a[0].length))
    text = text.split(from).join(to);
  return text;
}
