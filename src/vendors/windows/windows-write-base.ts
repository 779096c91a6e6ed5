import type { ServerTarget, WriteContext } from '../driver.js';
import type { ScopeContent } from '../scope-content.js';
import { digestOf } from './windows-failover.js';
import { readScopesInOneSession } from './windows-scope-reads.js';

/** What a write starts from: the scopes as they are now, and those edited since the caller's read. */
export interface WriteBase {
  before: Map<string, ScopeContent>;
  /** Network → why it is not written: it changed on the server after the read the caller's diff came from. */
  edited: Record<string, string>;
}

/**
 * Windows has no configuration version or transaction to hold a write to what was read, so the scopes to write are
 * read again in one session just before the first batch (while the caller's write-ahead record is saved), and are
 * the base of the cmdlets. A scope that differs from the caller's read (`kept`, when the caller's diff came from
 * one) was edited on the server in between: it is left as it is, not overwritten from a stale diff. What remains
 * is the time between this read and the batches, which Windows gives no way to close.
 */
export async function writeBase(
  target: ServerTarget,
  networks: readonly string[],
  kept: ReadonlyMap<string, ScopeContent> | undefined,
  context: Pick<WriteContext, 'beforeCommit'>,
): Promise<WriteBase> {
  const [before] = await Promise.all([readScopesInOneSession(target, networks), context.beforeCommit?.()]);
  const edited: Record<string, string> = {};
  if (kept) {
    for (const network of networks) {
      if (digestOf(kept.get(network) ?? null) === digestOf(before.get(network) ?? null)) continue;
      edited[network] =
        `scope ${network} changed on ${target.name} after it was read for this write; ` +
        'nothing was written to it (read it again and repeat the write)';
    }
  }
  return { before, edited };
}
