import type { Client } from 'ssh2';
import { DriverError, DriverErrorCode } from '../../driver-error.js';
import { closeSsh, connectSsh, openExec } from '../../ssh/ssh-connect.js';
import { sshDescription, type SshSettings } from '../../ssh/ssh-settings.js';
import { toDriverError } from '../../transport-errors.js';

/** What the driver runs: PowerShell reading the script from stdin (docs/windows.md, "Transport"). */
export const POWERSHELL_COMMAND = 'powershell -NoProfile -NonInteractive -Command -';
/**
 * The answer of a batch may be large (1,000 scopes with their reservations and options are tens of MB), but never
 * unbounded: beyond this the batch fails rather than exhausting memory.
 */
export const MAX_ANSWER_BYTES = 512 * 1024 * 1024;
const MAX_STDERR_BYTES = 64 * 1024;

/**
 * One batch on a Windows server: one SSH connection, one exec of {@link POWERSHELL_COMMAND}, the script on stdin,
 * one JSON document back on stdout. A non-zero exit status (a script PowerShell cannot parse, an error outside every
 * `try`) is a `DriverError` carrying stderr; a connection that drops before the exit status, or a batch that outlives
 * the command timeout, is `unreachable` (the caller cannot know which steps ran).
 */
export async function runPowerShell(settings: SshSettings, script: string): Promise<unknown> {
  const description = sshDescription(settings);
  const client = await connectSsh(settings);
  try {
    const output = await execScript(client, settings, description, script);
    return parseAnswer(output, description);
  } finally {
    await closeSsh(client);
  }
}

interface ScriptOutput {
  exitCode: number | null;
  stdout: Buffer;
  stderr: string;
}

async function execScript(
  client: Client,
  settings: SshSettings,
  description: string,
  script: string,
): Promise<ScriptOutput> {
  const channel = await openExec(client, POWERSHELL_COMMAND, description);
  return new Promise<ScriptOutput>((resolve, reject) => {
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let exitCode: number | null | undefined;
    let failed = false;
    const fail = (error: DriverError): void => {
      if (failed) return;
      failed = true;
      clearTimeout(timer);
      // The batch's state on the server is unknown: drop the connection, which ends the remote process.
      client.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () =>
        fail(
          new DriverError(
            DriverErrorCode.unreachable,
            `${description}: the PowerShell batch did not finish within ${settings.commandTimeoutMs} ms; ` +
              'it was abandoned, and which of its steps ran is unknown',
          ),
        ),
      settings.commandTimeoutMs,
    );
    channel.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_ANSWER_BYTES) {
        fail(
          new DriverError(
            DriverErrorCode.unsupported,
            `${description}: the answer passed ${MAX_ANSWER_BYTES} bytes; ask for fewer scopes at once`,
          ),
        );
        return;
      }
      stdout.push(chunk);
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR_BYTES) stderr += chunk.toString('utf8');
    });
    channel.on('exit', (code: number | null) => {
      exitCode = code;
    });
    channel.on('error', (error: Error) => fail(toDriverError(error, `${description}: exec`)));
    channel.on('close', () => {
      if (failed) return;
      clearTimeout(timer);
      if (exitCode === undefined) {
        failed = true;
        reject(
          new DriverError(
            DriverErrorCode.unreachable,
            `${description}: the connection dropped before PowerShell finished; which steps of the batch ran is unknown`,
            stderr.trim() || undefined,
          ),
        );
        return;
      }
      resolve({ exitCode, stdout: Buffer.concat(stdout), stderr });
    });
    channel.end(script, 'utf8');
  });
}

function parseAnswer(output: ScriptOutput, description: string): unknown {
  const stderr = output.stderr.trim();
  if (output.exitCode !== 0) {
    throw new DriverError(
      DriverErrorCode.invalidConfig,
      `${description}: PowerShell stopped the batch (exit status ${output.exitCode ?? 'none'})` +
        (stderr ? `: ${firstLine(stderr)}` : ''),
      stderr || undefined,
    );
  }
  const text = output.stdout.toString('utf8').trim();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DriverError(
      DriverErrorCode.invalidConfig,
      `${description}: PowerShell answered something that is not one JSON document`,
      text.slice(0, 2_000) || stderr || undefined,
    );
  }
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0]?.slice(0, 500) ?? '';
}
