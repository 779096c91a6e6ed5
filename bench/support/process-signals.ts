/** Signals to processes the tests and benchmarks started, by PID. */

/** Sends `signal` to `pid`; a process that is gone already (ESRCH) is not an error. */
export function safeKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Whether a process with this PID exists (signal 0; a zombie still counts). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
