import type { ScopeWrite, ServerTarget, WriteContext } from '../driver.js';
import { DriverError, withVendorMessage } from '../driver-error.js';
import { SCOPE_PARTS, scopeNetwork, type ScopeContent } from '../scope-content.js';
import { psList } from './powershell/ps-literal.js';
import { stepError } from './powershell/ps-results.js';
import { PsScript } from './powershell/ps-script.js';
import { runBatch } from './windows-session.js';

export const networkOf = (write: ScopeWrite): string => scopeNetwork(write.content.subnet);
/** The failover relationship a scope read from a Windows server is in (its name), if any. */
const relationshipOf = (content: ScopeContent | undefined): unknown =>
  content?.vendorExtras?.['failoverRelationship'];

/** Whether a scope read from a Windows server is in the relationship `name` (Windows ignores the names' case). */
export function inRelationshipNamed(content: ScopeContent | undefined, name: unknown): boolean {
  const relationship = relationshipOf(content);
  return (
    typeof relationship === 'string' &&
    typeof name === 'string' &&
    relationship.toLowerCase() === name.toLowerCase()
  );
}

/**
 * Which scopes Windows can copy itself: Invoke-DhcpServerv4FailoverReplication, run on the source, replaces the
 * partner's copy of a failover scope with the source's whole configuration (its own cmdlet, Windows' own order, and
 * what the model does not hold: policies, class options, ...). It is used only where it does exactly what was
 * asked: the source is a Windows server, every part of the scope is to be replaced (the caller holds all four scope
 * bits or a role that covers them: it cannot replace some parts and leave others), and the scope is in the same
 * failover relationship on both sides, i.e. the destination is the source's partner for it; and the caller did not
 * turn it off (`native: false`). Everything else goes through the cmdlets of the destination, part by part.
 */
export function splitNative(
  writes: ScopeWrite[],
  before: ReadonlyMap<string, ScopeContent>,
  { source, native: allowed }: Pick<WriteContext, 'source' | 'native'>,
): { native: ScopeWrite[]; cmdlets: ScopeWrite[] } {
  const native: ScopeWrite[] = [];
  const cmdlets: ScopeWrite[] = [];
  for (const write of writes) {
    const whole = SCOPE_PARTS.every((part) => write.parts.includes(part));
    const partners = inRelationshipNamed(before.get(networkOf(write)), relationshipOf(write.content));
    (allowed !== false && source?.vendor === 'windows' && whole && partners ? native : cmdlets).push(write);
  }
  return { native, cmdlets };
}

/** One session on the source, one step per scope so that each scope's outcome is known. */
export async function replicateNatively(
  source: ServerTarget,
  destination: ServerTarget,
  writes: ScopeWrite[],
): Promise<void> {
  const script = new PsScript();
  for (const write of writes) {
    script.step([`Invoke-DhcpServerv4FailoverReplication -ScopeId ${psList([networkOf(write)])} -Force`]);
  }
  const results = await runBatch(source, script).catch((error: unknown) => {
    if (!(error instanceof DriverError)) throw error;
    throw new DriverError(error.code, error.message, error.vendorMessage, {
      scopes: {
        written: [],
        halfWritten: writes.map(networkOf),
        failed: Object.fromEntries(
          writes.map((write) => [networkOf(write), `may be half-written: ${error.message}`]),
        ),
      },
    });
  });
  const written: string[] = [];
  const failed: Record<string, string> = {};
  let first: DriverError | undefined;
  results.forEach((result, index) => {
    const network = networkOf(writes[index]);
    if (result.ok) written.push(network);
    else {
      const error = stepError(
        result,
        `${source.name}: replicate ${network} to its partner ${destination.name}`,
      );
      first ??= error;
      failed[network] = withVendorMessage(error);
    }
  });
  if (first) {
    throw new DriverError(first.code, first.message, first.vendorMessage, { scopes: { written, failed } });
  }
}
