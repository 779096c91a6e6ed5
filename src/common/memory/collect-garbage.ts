import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/**
 * Asks V8 for a full collection now. Large jobs (a replication of thousands of scopes) turn tens of megabytes into
 * garbage at each phase boundary; V8 left alone grows the heap well past the live set before collecting it, which
 * is what a host's memory limit sees. A collection between phases costs tens of milliseconds. `--expose-gc` is set at
 * run time so that the service needs no special command line; where that is refused, this does nothing.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
