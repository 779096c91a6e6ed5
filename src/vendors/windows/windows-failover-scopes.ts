import type {
  FailoverChange,
  FailoverScopeOperations,
  FailoverSpec,
  ScopeRemoval,
  ServerTarget,
} from '../driver.js';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import { SCOPE_PARTS } from '../scope-content.js';
import { psList, psString } from './powershell/ps-literal.js';
import { stepError, win32Code } from './powershell/ps-results.js';
import { PsScript } from './powershell/ps-script.js';
import { digestOf, readFailover, RELATIONSHIP_NOT_FOUND } from './windows-failover.js';
import { failoverParameters } from './windows-failover-settings.js';
import { writeScopesInBatches } from './windows-scope-batches.js';
import { readScopesInOneSession } from './windows-scope-reads.js';
import { runBatch } from './windows-session.js';

const SCOPE_NOT_FOUND = 20005;

/**
 * Scopes in and out of a Windows relationship. Windows does the copying itself: Add-DhcpServerv4Failover and
 * Add-DhcpServerv4FailoverScope, run on the server that holds the scope, create it on the partner;
 * Remove-DhcpServerv4FailoverScope, run on the server that keeps it, deletes the partner's copy.
 */
export class WindowsFailoverScopes implements FailoverScopeOperations {
  async addScope(spec: FailoverSpec, from: 0 | 1, network: string, create: boolean): Promise<FailoverChange> {
    const side = spec.sides[from];
    const partner = spec.sides[from === 0 ? 1 : 0];
    const name = psString(spec.name);
    const scope = psList([network]);
    const script = new PsScript();
    script.step([
      create
        ? `Add-DhcpServerv4Failover -Name ${name} -PartnerServer ${psString(partner.target.address)} -ScopeId ${scope} ` +
          failoverParameters(spec, from, false).join(' ')
        : `Add-DhcpServerv4FailoverScope -Name ${name} -ScopeId ${scope}`,
    ]);
    const [result] = await runBatch(side.target, script);
    const action = create
      ? `create failover relationship "${spec.name}" with scope ${network}`
      : `add scope ${network} to failover relationship "${spec.name}"`;
    if (!result.ok) throw stepError(result, `${side.target.name}: ${action}`);
    return {
      before: digestOf({ relationship: spec.name, without: network }),
      after: digestOf({ relationship: spec.name, with: network }),
      changed: true,
      // Back out: the scope leaves the relationship (its copy on the partner deleted), then a relationship this
      // call created goes too.
      undo: async () => {
        const undo = new PsScript();
        undo.step([`Remove-DhcpServerv4FailoverScope -Name ${name} -ScopeId ${scope} -Force`]);
        if (create) undo.step([`Remove-DhcpServerv4Failover -Name ${name} -Force`]);
        const results = await runBatch(side.target, undo);
        const failed = results.find((r) => !r.ok && win32Code(r) !== RELATIONSHIP_NOT_FOUND);
        if (failed && !failed.ok) throw stepError(failed, `${side.target.name}: undo ${action}`);
      },
    };
  }

  /**
   * `delete`: Remove-DhcpServerv4FailoverScope on the keeping server, which deletes the partner's copy.
   * `disable`: the partner's copy is read first, then removed the same way, then written back inactive; when that
   * write fails, the scope is added to the relationship again (Windows copies it back) and the error is reported.
   */
  async removeScope(
    spec: FailoverSpec,
    keep: 0 | 1,
    network: string,
    other: ScopeRemoval,
  ): Promise<FailoverChange & { empty: boolean }> {
    const keeper = spec.sides[keep].target;
    const partner = spec.sides[keep === 0 ? 1 : 0].target;
    const copy =
      other === 'disable' ? (await readScopesInOneSession(partner, [network])).get(network) : undefined;
    if (other === 'disable' && !copy) {
      throw new DriverError(
        DriverErrorCode.notFound,
        `${partner.name} has no copy of ${network} to keep disabled`,
      );
    }
    const name = psString(spec.name);
    const script = new PsScript();
    script.step([`Remove-DhcpServerv4FailoverScope -Name ${name} -ScopeId ${psList([network])} -Force`]);
    const [removed] = await runBatch(keeper, script);
    if (!removed.ok) {
      throw stepError(
        removed,
        `${keeper.name}: remove scope ${network} from failover relationship "${spec.name}"`,
      );
    }
    if (copy) {
      try {
        // Read again: Windows deleted the copy, but a partner that kept it is only made inactive.
        const present = await readScopesInOneSession(partner, [network]);
        await writeScopesInBatches(
          partner,
          [{ content: { ...copy, enabled: false }, parts: SCOPE_PARTS }],
          present,
        );
      } catch (error) {
        await this.addScope(spec, keep, network, (await readFailover(keeper, spec.name)) === undefined).catch(
          () => undefined,
        );
        throw error;
      }
    }
    const left = await readFailover(keeper, spec.name);
    // `empty` means nothing on the servers: a relationship Windows keeps without scopes goes, so that the next first
    // scope can create it again.
    if (left && left.scopeIds.length === 0) await removeRelationshipFrom(keeper, spec.name);
    return {
      before: digestOf({ relationship: spec.name, with: network }),
      after: digestOf({ relationship: spec.name, without: network, partnerCopy: other }),
      changed: true,
      empty: !left || left.scopeIds.length === 0,
      undo: () =>
        Promise.reject(
          new DriverError(DriverErrorCode.unsupported, 'add the scope to the relationship again'),
        ),
    };
  }

  /**
   * Remove-DhcpServerv4Failover on the keeping server (the relationship goes from both, the scopes stay), then the
   * other server's copies are deleted (Remove-DhcpServerv4Scope) or made inactive. For `disable`, the copies are read
   * first and written back inactive, so they survive whether or not Windows kept them.
   */
  async removeRelationship(
    spec: FailoverSpec,
    keep: 0 | 1,
    other: ScopeRemoval,
  ): Promise<FailoverChange & { scopes: string[] }> {
    const keeper = spec.sides[keep].target;
    const partner = spec.sides[keep === 0 ? 1 : 0].target;
    const relationship = await readFailover(keeper, spec.name);
    // The partner is asked before anything changes: one that cannot be reached fails the removal with nothing done
    // (not the relationship gone from the keeper and the partner's copies left serving), and one that still has the
    // relationship after an attempt that lost it on the keeper names the copies to delete or disable.
    const onPartner = await readFailover(partner, spec.name);
    const scopes = relationship?.scopeIds ?? onPartner?.scopeIds ?? [];
    const copies =
      other === 'disable' && scopes.length > 0 ? await readScopesInOneSession(partner, scopes) : undefined;
    await removeRelationshipFrom(relationship || !onPartner ? keeper : partner, spec.name);
    if (copies) {
      const writes = [...copies.values()].map((content) => ({
        content: { ...content, enabled: false },
        parts: SCOPE_PARTS,
      }));
      await writeScopesInBatches(partner, writes, await readScopesInOneSession(partner, scopes));
    } else if (other === 'delete' && scopes.length > 0) {
      await deleteScopes(partner, scopes);
    }
    return {
      before: digestOf(relationship ?? onPartner),
      after: digestOf({ removed: spec.name, partnerCopies: other }),
      changed: relationship !== undefined || onPartner !== undefined,
      scopes,
      undo: () =>
        Promise.reject(new DriverError(DriverErrorCode.unsupported, 'create the relationship again')),
    };
  }
}

/** Remove-DhcpServerv4Failover (Windows takes it off both servers); already gone counts as done. */
async function removeRelationshipFrom(target: ServerTarget, name: string): Promise<void> {
  const script = new PsScript();
  script.step([`Remove-DhcpServerv4Failover -Name ${psString(name)} -Force`]);
  const [removed] = await runBatch(target, script);
  if (!removed.ok && win32Code(removed) !== RELATIONSHIP_NOT_FOUND) {
    throw stepError(removed, `${target.name}: remove failover relationship "${name}"`);
  }
}

async function deleteScopes(target: ServerTarget, networks: string[]): Promise<void> {
  const script = new PsScript();
  for (const network of networks)
    script.step([`Remove-DhcpServerv4Scope -ScopeId ${psString(network)} -Force`]);
  const results = await runBatch(target, script);
  const failed = results.flatMap((result, index) =>
    !result.ok && win32Code(result) !== SCOPE_NOT_FOUND
      ? [stepError(result, `${target.name}: delete scope ${networks[index]}`)]
      : [],
  );
  if (failed.length > 0) {
    throw new DriverError(
      failed[0].code,
      failed.map((error) => error.message).join('; '),
      failed[0].vendorMessage,
    );
  }
}
