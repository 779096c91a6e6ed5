import type { ScopeWrite, ServerTarget } from '../driver.js';
import { DriverError, withVendorMessage } from '../driver-error.js';
import { scopeNetwork, type ScopeContent } from '../scope-content.js';
import { stepError } from './powershell/ps-results.js';
import { PsScript } from './powershell/ps-script.js';
import { scopeWriteStatements } from './windows-scope-write.js';
import { runBatch } from './windows-session.js';

/**
 * Cmdlets per batch (one SSH session). 1,000 scopes × 50 reservations × 5 options written from nothing are about
 * 306,000 cmdlets: eight sessions. A script of this size is a few MB, which PowerShell parses line by line.
 */
export const WRITE_BATCH_CMDLETS = 40_000;

interface PlannedScope {
  network: string;
  statements: string[];
}

/**
 * Writes the scopes in as few sessions as {@link WRITE_BATCH_CMDLETS} allows, each scope one step (its cmdlets in
 * order, the first failure ending that scope). Steps that fail do not stop the batch: the other scopes are
 * independent. A batch that dies (connection dropped, timeout) stops the write, since which of its cmdlets ran is
 * unknown. When anything failed, the DriverError's `scopes` lists the scopes that landed and why each other did not.
 */
export async function writeScopesInBatches(
  target: ServerTarget,
  writes: ScopeWrite[],
  before: ReadonlyMap<string, ScopeContent>,
): Promise<void> {
  const written: string[] = [];
  const failed: Record<string, string> = {};
  const halfWritten: string[] = [];
  let first: DriverError | undefined;
  const fail = (network: string, error: DriverError): void => {
    first ??= error;
    failed[network] = withVendorMessage(error);
  };
  const planned: PlannedScope[] = [];
  for (const write of writes) {
    const network = scopeNetwork(write.content.subnet);
    try {
      planned.push({ network, statements: scopeWriteStatements(before.get(network), write) });
    } catch (error) {
      if (!(error instanceof DriverError)) throw error;
      fail(network, new DriverError(error.code, `scope ${network}: ${error.message}`, error.vendorMessage));
    }
  }
  const batches = inBatches(planned.filter((scope) => scope.statements.length > 0));
  written.push(...planned.filter((scope) => scope.statements.length === 0).map((scope) => scope.network));
  for (const [index, batch] of batches.entries()) {
    const script = new PsScript();
    for (const scope of batch) script.step(scope.statements);
    let results;
    try {
      results = await runBatch(target, script);
    } catch (error) {
      if (!(error instanceof DriverError)) throw error;
      for (const scope of batch) {
        halfWritten.push(scope.network);
        fail(
          scope.network,
          new DriverError(error.code, `scope ${scope.network} may be half-written: ${error.message}`),
        );
      }
      for (const scope of batches.slice(index + 1).flat()) {
        failed[scope.network] = `not attempted: an earlier batch failed (${error.message})`;
      }
      break;
    }
    results.forEach((result, step) => {
      const network = batch[step].network;
      if (result.ok) written.push(network);
      else {
        halfWritten.push(network);
        fail(network, stepError(result, `${target.name}: write scope ${network} (it may be half-written)`));
      }
    });
  }
  if (first) {
    const count = Object.keys(failed).length;
    throw new DriverError(
      first.code,
      `${count} of ${writes.length} scopes were not written on ${target.name} (${written.length} were); first: ${first.message}`,
      first.vendorMessage,
      { scopes: { written, failed, ...(halfWritten.length > 0 ? { halfWritten } : {}) } },
    );
  }
}

function inBatches(scopes: PlannedScope[]): PlannedScope[][] {
  const batches: PlannedScope[][] = [];
  let current: PlannedScope[] = [];
  let size = 0;
  for (const scope of scopes) {
    if (current.length > 0 && size + scope.statements.length > WRITE_BATCH_CMDLETS) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(scope);
    size += scope.statements.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
