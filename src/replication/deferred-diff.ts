import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { DriverRegistry } from '../vendors/driver-registry.js';
import { SCOPE_PARTS, type ScopePart } from '../vendors/scope-content.js';
import { VENDORS, type Vendor } from '../vendors/vendor.js';
import { diffScope } from './scope-diff.js';

/**
 * A scope's diff saved as its vendor's evidence (DhcpDriver.compareCopy: ISC, both subnet declarations) instead of
 * in the model's terms: made into the ScopeDiff when the job's details are read. Replication between ISC servers then
 * maps neither side's scopes on the way to the write (most of its cost for a large server), and the record still holds
 * what the destination's declaration was and became.
 */
export interface DeferredDiff {
  created: false;
  /** Not known until the diff is made: declarations that differ only in comments or spacing make an empty one. */
  unchanged: false;
  deferred: { vendor: Vendor; parts: ScopePart[]; evidence: unknown };
}

export function deferredDiff(vendor: Vendor, parts: readonly ScopePart[], evidence: unknown): DeferredDiff {
  return { created: false, unchanged: false, deferred: { vendor, parts: [...parts], evidence } };
}

function isDeferredDiff(value: unknown): value is DeferredDiff {
  const deferred = (value as Partial<DeferredDiff> | null)?.deferred;
  return (
    typeof deferred === 'object' &&
    deferred !== null &&
    VENDORS.includes(deferred.vendor) &&
    Array.isArray(deferred.parts) &&
    deferred.parts.every((part) => SCOPE_PARTS.includes(part))
  );
}

/** How many diffs are made between two turns of the event loop (each maps two declarations). */
const DIFFS_PER_TURN = 50;

/**
 * The deferred diffs among `diffs`, made: `made` by key (to serve, and to keep in their place), and `failed` for
 * those whose evidence could not be read, each saying so (served, not kept: the evidence stays).
 */
export async function makeDeferredDiffs(
  diffs: Readonly<Record<string, unknown>>,
  drivers: DriverRegistry,
): Promise<{ made: Record<string, unknown>; failed: Record<string, unknown> }> {
  const made: Record<string, unknown> = {};
  const failed: Record<string, unknown> = {};
  let count = 0;
  for (const [key, diff] of Object.entries(diffs)) {
    if (!isDeferredDiff(diff)) continue;
    // A large job's details are made in slices, so that the API keeps answering meanwhile.
    if (++count % DIFFS_PER_TURN === 0) await yieldToEvents();
    const { vendor, parts, evidence } = diff.deferred;
    try {
      const driver = drivers.get(vendor);
      if (!driver.scopesFromEvidence) throw new Error(`the ${vendor} driver has no such evidence`);
      const { before, after } = driver.scopesFromEvidence(evidence);
      made[key] = diffScope(before, after, parts);
    } catch (error) {
      failed[key] = {
        created: false,
        unchanged: false,
        error: `the diff could not be made from the saved declarations: ${(error as Error).message}`,
      };
    }
  }
  return { made, failed };
}
