/**
 * Entry point sshd's ForceCommand runs: `node main.js --server NAME --state FILE`. Refuses any command but the
 * contract's PowerShell invocation, reads the script from stdin and answers as that Windows server would.
 */
import { readFileSync } from 'node:fs';
import { logSession, runSession } from './emulator-session.js';

const INVOCATION = /^powershell(\.exe)?\s+-NoProfile\s+-NonInteractive\s+-Command\s+-\s*$/i;

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (!value) throw new Error(`usage: main.js --server NAME --state FILE (missing --${name})`);
  return value;
}

/** Ends the SSH connection abruptly: the nearest sshd ancestor is killed, then this process. */
function dropConnection(): never {
  let pid = process.ppid;
  for (let hops = 0; hops < 4 && pid > 1; hops++) {
    const comm = readProc(pid, 'comm').trim();
    if (comm.startsWith('sshd')) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    pid = Number(readProc(pid, 'stat').split(') ')[1]?.split(' ')[1] ?? 0);
  }
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

async function main(): Promise<number> {
  const server = arg('server');
  const state = arg('state');
  const command = process.env['SSH_ORIGINAL_COMMAND'] ?? '';
  if (!INVOCATION.test(command.trim())) {
    logSession(state, { time: new Date().toISOString(), server, cmdlets: 0, outcome: 'refused', ms: 0 });
    process.stderr.write(
      `emulator: refused command ${JSON.stringify(command)}; the contract's invocation is "powershell -NoProfile -NonInteractive -Command -"\n`,
    );
    return 1;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const result = await runSession(state, server, Buffer.concat(chunks).toString('utf8'));
  if (result.drop) dropConnection();
  await new Promise<void>((resolve) => process.stdout.write(result.stdout, () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write(result.stderr, () => resolve()));
  return result.exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `emulator: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(2);
  },
);
