import { DriverError, DriverErrorCode } from './driver-error.js';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * Maps an operating-system or socket error to a `DriverError`: a missing file is `not-found`, a permission the
 * account lacks is `auth` (the registered credentials cannot do it), and everything else (network, I/O) is
 * `unreachable`, which the job layer retries.
 */
export function toDriverError(error: unknown, action: string): DriverError {
  if (error instanceof DriverError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new DriverError(DriverErrorCode.notFound, `${action}: no such file`, detail, { cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new DriverError(DriverErrorCode.auth, `${action}: permission denied`, detail, { cause: error });
  }
  const what = code && UNREACHABLE.has(code) ? 'cannot reach the host' : 'failed';
  return new DriverError(DriverErrorCode.unreachable, `${action}: ${what} (${detail})`, detail, {
    cause: error,
  });
}

export function commandTimedOut(description: string, command: string, timeoutMs: number): DriverError {
  return new DriverError(
    DriverErrorCode.unreachable,
    `${description}: command did not finish within ${timeoutMs} ms and was killed: ${command.slice(0, 200)}`,
  );
}
