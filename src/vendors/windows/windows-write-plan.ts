import type { CopyLeg, ScopeWrite, ServerTarget, WriteContext } from '../driver.js';
import { DriverError, withVendorMessage } from '../driver-error.js';
import { scopeNetwork, type ScopeContent, type ScopePart } from '../scope-content.js';
import { digestOf } from './windows-failover.js';
import { inRelationshipNamed, networkOf, splitNative } from './windows-native-replication.js';
import { readScopesInOneSession } from './windows-scope-reads.js';
import { assertWritable } from './windows-scope-write.js';

/** How a write goes: what it starts from, which scopes Windows copies itself, which go by cmdlets, which not at all. */
export interface WritePlan {
  /** The destination's scopes the write starts from (the cmdlets' base, the audit's "before"). */
  before: Map<string, ScopeContent>;
  native: ScopeWrite[];
  cmdlets: ScopeWrite[];
  /** Network → why it is not written: it changed on the server after the read the caller's diff came from. */
  edited: Record<string, string>;
}

/**
 * Windows has no configuration version or transaction to hold a write to what was read. The scopes the cmdlets are
 * to change are therefore read again in one session just before the first batch (while the caller's write-ahead
 * record is saved) and are the cmdlets' base; one that differs from the caller's read (`kept`, when the caller's
 * diff came from one) was edited on the server in between and is left as it is, not overwritten from a stale diff.
 * Scopes Windows copies itself are not read again: Invoke-DhcpServerv4FailoverReplication replaces the partner's
 * copy whatever it holds, as asked. What remains is the time between this read and the batches, which Windows gives
 * no way to close.
 */
export async function planWrite(
  target: ServerTarget,
  writes: ScopeWrite[],
  kept: ReadonlyMap<string, ScopeContent> | undefined,
  context: Pick<WriteContext, 'source' | 'native' | 'beforeCommit'>,
): Promise<WritePlan> {
  if (!kept) {
    const [before] = await Promise.all([
      readScopesInOneSession(target, writes.map(networkOf)),
      context.beforeCommit?.(),
    ]);
    return { before, edited: {}, ...splitNative(writes, before, context) };
  }
  const { native, cmdlets } = splitNative(writes, kept, context);
  const [now] = await Promise.all([
    cmdlets.length > 0 ? readScopesInOneSession(target, cmdlets.map(networkOf)) : undefined,
    context.beforeCommit?.(),
  ]);
  const before = new Map(kept);
  const edited: Record<string, string> = {};
  for (const write of cmdlets) {
    const network = networkOf(write);
    const current = now?.get(network);
    if (digestOf(kept.get(network) ?? null) !== digestOf(current ?? null)) {
      edited[network] =
        `scope ${network} changed on ${target.name} after it was read for this write; ` +
        'nothing was written to it (read it again and repeat the write)';
    }
    if (current) before.set(network, current);
    else before.delete(network);
  }
  return { before, native, cmdlets: cmdlets.filter((write) => !(networkOf(write) in edited)), edited };
}

/**
 * Why a replication's write of `source` over `before` would be refused (see DhcpDriver.refuseCopy), in the words the
 * write itself would use. A scope the source holds in failover is written only to the partner's copy in the same
 * relationship (told by the destination's read, which names each scope's relationship: no round trip of its own).
 * Cmdlets would otherwise create it outside the relationship where the partner lacks it, or write a copy the
 * relationship does not cover (one in no relationship there, or in another), and report it replicated. Windows puts
 * a copy in the relationship only through Add-DhcpServerv4FailoverScope, run where the scope is in no relationship yet
 * (20113 otherwise) and the partner has none (20004 otherwise): taking it out (Remove-DhcpServerv4FailoverScope, which
 * deletes the partner's copy) and adding it again is a change of the relationship, left to the caller.
 */
export function copyRefusal(
  before: ScopeContent | undefined,
  source: ScopeContent,
  parts: readonly ScopePart[],
  leg: CopyLeg,
): string | undefined {
  const network = scopeNetwork(source.subnet);
  const relationship = source.vendorExtras?.['failoverRelationship'];
  if (typeof relationship === 'string' && !inRelationshipNamed(before, relationship)) {
    return outsideRelationship(before, network, relationship, leg);
  }
  try {
    // The checks the cmdlets' write makes before any of them runs (writeScopesInBatches), with its reason.
    assertWritable(before, { content: source, parts });
    return undefined;
  } catch (error) {
    if (!(error instanceof DriverError)) throw error;
    return withVendorMessage(
      new DriverError(error.code, `scope ${network}: ${error.message}`, error.vendorMessage),
    );
  }
}

/** copyRefusal's reason for a destination copy missing or outside `relationship`, with the calls that repair it. */
function outsideRelationship(
  before: ScopeContent | undefined,
  network: string,
  relationship: string,
  { relationshipId, source: from, destination }: CopyLeg,
): string {
  const scopes = `/api/v1/relationships/${relationshipId}/scopes`;
  const addAgain = `then add it again from ${from.name} (POST ${scopes} with sourceServerId ${from.id}).`;
  if (!before) {
    return (
      `${destination.name} has no scope ${network}, which ${from.name} holds in failover relationship ` +
      `"${relationship}"; a copy made by cmdlets would be outside the relationship (in failover on ${from.name} ` +
      'only), so nothing was written. Windows puts a copy on the partner only by adding the scope to the ' +
      `relationship: take it out, keeping ${from.name}'s copy (DELETE ${scopes}/${network}?serverId=` +
      `${destination.id}), ${addAgain}`
    );
  }
  const other = before.vendorExtras?.['failoverRelationship'];
  const where =
    typeof other === 'string'
      ? `${destination.name}'s scope ${network} is in failover relationship "${other}" there, not "${relationship}"`
      : `${destination.name}'s scope ${network} is in no failover relationship there`;
  const first =
    typeof other === 'string'
      ? `take it out of "${other}" first (it is not this relationship's to change), then `
      : '';
  return (
    `${where}, while ${from.name} holds it in failover relationship "${relationship}"; cmdlets would write a copy ` +
    'outside the relationship, so nothing was written. Windows puts a copy in the relationship only by adding the ' +
    `scope to it, and only while the partner has no scope ${network}: ${first}take it out, keeping ` +
    `${from.name}'s copy (DELETE ${scopes}/${network}?serverId=${destination.id}: Windows deletes ` +
    `${destination.name}'s), ${addAgain}`
  );
}
