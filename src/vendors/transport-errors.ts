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
  const detail = errorText(error);
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

/**
 * An error's own text, without the "Error: " that String() puts first: also for an error made in another realm (a VM
 * context), which is no `instanceof Error` here.
 */
export function errorText(error: unknown): string {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}

export function commandTimedOut(description: string, command: string, timeoutMs: number): DriverError {
  return new DriverError(
    DriverErrorCode.unreachable,
    `${description}: command did not finish within ${timeoutMs} ms and was killed: ${command.slice(0, 200)}`,
  );
}
