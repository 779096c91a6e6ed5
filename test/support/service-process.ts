import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY_POINTS = {
  main: fileURLToPath(new URL('../../dist/src/main.js', import.meta.url)),
  api: fileURLToPath(new URL('../../dist/src/main-api.js', import.meta.url)),
  worker: fileURLToPath(new URL('../../dist/src/main-worker.js', import.meta.url)),
};

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the base URL once the service logs that it listens; rejects if it exits first. */
  ready(timeoutMs?: number): Promise<string>;
  /** Resolves once `pattern` appears in the output; rejects if the process exits first or after the timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
  /**
   * SIGTERM by PID, SIGKILL after 15 s. Resolves `graceful` when the process shut down by itself (Nest re-raises
   * SIGTERM after closing, so that is its way out), `killed` when it had to be killed.
   */
  stop(): Promise<'graceful' | 'killed'>;
}

/** Runs the built service (dist/) as its own process, the way `npm start` does, with exactly `env`. */
export function spawnService(
  env: Record<string, string>,
  entry: keyof typeof ENTRY_POINTS = 'main',
): ServiceProcess {
  const child = spawn(process.execPath, [ENTRY_POINTS[entry]], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let killed = false;
  const waitFor = (pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const deadline = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`${String(pattern)} not seen after ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const poll = setInterval(() => {
        const match = pattern.exec(output);
        if (match) {
          clearInterval(poll);
          clearTimeout(deadline);
          resolve(match);
        }
      }, 50);
      void exit.then((code) => {
        clearInterval(poll);
        clearTimeout(deadline);
        reject(new Error(`service exited with ${code} before ${String(pattern)} appeared:\n${output}`));
      });
    });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited: () => exit,
    waitFor,
    ready: async (timeoutMs = 60_000) => (await waitFor(/Listening on (http:\/\/[^\s"]+) /, timeoutMs))[1],
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        process.kill(child.pid, 'SIGTERM');
        const killer = setTimeout(() => {
          killed = true;
          if (child.pid) process.kill(child.pid, 'SIGKILL');
        }, 15_000);
        await exit;
        clearTimeout(killer);
      }
      return killed ? 'killed' : 'graceful';
    },
  };
}
