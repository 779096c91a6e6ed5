import type { ServerTarget } from '../driver.js';
import { DriverError, DriverErrorCode, withVendorMessage } from '../driver-error.js';

/** A part of a write (native or by cmdlets), the scopes it covered and how it ended. */
export interface WritePart {
  networks: string[];
  outcome: PromiseSettledResult<unknown>;
}

/** The parts of a write together: nothing when all landed, else one DriverError naming every scope. */
export function throwCombined(parts: WritePart[], target: ServerTarget): void {
  const errors = parts.flatMap((part) =>
    part.outcome.status === 'rejected' ? [part.outcome.reason as unknown] : [],
  );
  if (errors.length === 0) return;
  const foreign = errors.find((error) => !(error instanceof DriverError));
  if (foreign !== undefined)
    throw foreign instanceof Error ? foreign : new Error('a write failed', { cause: foreign });
  const written: string[] = [];
  const failed: Record<string, string> = {};
  const halfWritten: string[] = [];
  for (const { networks, outcome } of parts) {
    if (outcome.status === 'fulfilled') written.push(...networks);
    else {
      const error = outcome.reason as DriverError;
      written.push(...(error.scopes?.written ?? []));
      halfWritten.push(...(error.scopes?.halfWritten ?? []));
      for (const network of networks) {
        if (!error.scopes?.written.includes(network))
          failed[network] = error.scopes?.failed[network] ?? withVendorMessage(error);
      }
    }
  }
  const first = errors[0] as DriverError;
  const total = parts.reduce((sum, part) => sum + part.networks.length, 0);
  throw new DriverError(
    first.code,
    `${Object.keys(failed).length} of ${total} scopes were not written on ${target.name}; first: ${first.message}`,
    first.vendorMessage,
    { scopes: { written, failed, ...(halfWritten.length > 0 ? { halfWritten } : {}) } },
  );
}

/** The scopes left alone because they were edited, as a failed part of the write (see throwCombined). */
export function editedPart(edited: Record<string, string>): WritePart {
  const networks = Object.keys(edited);
  if (networks.length === 0) return { networks, outcome: { status: 'fulfilled', value: undefined } };
  const error = new DriverError(DriverErrorCode.conflict, edited[networks[0]], undefined, {
    scopes: { written: [], failed: edited },
  });
  return { networks, outcome: { status: 'rejected', reason: error } };
}
