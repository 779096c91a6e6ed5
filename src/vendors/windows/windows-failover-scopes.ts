import type {
  FailoverChange,
  FailoverScopeOperations,
  FailoverSpec,
  ScopeRemoval,
  ServerTarget,
} from '../driver.js';
import { DriverError, DriverErrorCode, withVendorMessage } from '../driver-error.js';
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
   * Takes the relationship off both servers, the scopes kept on `keep`. The other server's copies are dealt with
   * while the relationship still names them, so that a failure leaves it in place and a retry finds the same scopes:
   * `delete`: Remove-DhcpServerv4FailoverScope on the keeping server (Windows deletes the partner's copies), then
   * Remove-DhcpServerv4Failover; `disable`: the copies are made inactive on the partner first, then the relationship
   * goes, then any copy Windows deleted is written back inactive. Only a step after the relationship went can leave
   * copies behind: its error says the relationship is off both servers and names them.
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
    if (copies && copies.size > 0) {
      // Inactive while the relationship still holds them: a failure here leaves the relationship for a retry.
      await writeScopesInBatches(
        partner,
        [...copies.values()].map((content) => ({
          content: { ...content, enabled: false },
          parts: SCOPE_PARTS,
        })),
        copies,
      );
    } else if (other === 'delete' && relationship && scopes.length > 0) {
      const script = new PsScript();
      script.step([
        `Remove-DhcpServerv4FailoverScope -Name ${psString(spec.name)} -ScopeId ${psList(scopes)} -Force`,
      ]);
      const [removed] = await runBatch(keeper, script);
      if (!removed.ok) {
        throw stepError(
          removed,
          `${keeper.name}: remove the scopes of "${spec.name}" (its copies on ${partner.name} with them)`,
        );
      }
    }
    await removeRelationshipFrom(relationship || !onPartner ? keeper : partner, spec.name);
    // From here the relationship is off both servers: what fails leaves the partner's copies as they are.
    const left = (error: unknown): unknown => {
      if (!(error instanceof DriverError)) return error;
      return new DriverError(
        error.code,
        `"${spec.name}" is off both servers, but ${partner.name}'s copies of ${scopes.join(', ')} could not be ` +
          `${other === 'delete' ? 'deleted' : 'written back inactive'} and may still be active there ` +
          `(${error.message}); ${other === 'delete' ? 'delete' : 'disable'} them by hand`,
        error.vendorMessage,
        { cause: error, leftChanged: true },
      );
    };
    try {
      if (copies && copies.size > 0) {
        // Windows may have deleted the copies with the relationship: write back what is missing, inactive.
        const present = await readScopesInOneSession(partner, scopes);
        const missing = [...copies]
          .filter(([network]) => !present.has(network))
          .map(([, content]) => content);
        if (missing.length > 0) {
          await writeScopesInBatches(
            partner,
            missing.map((content) => ({ content: { ...content, enabled: false }, parts: SCOPE_PARTS })),
            present,
          );
        }
      } else if (other === 'delete' && scopes.length > 0) {
        // The copies Remove-DhcpServerv4FailoverScope left, or all of them when only the partner had it.
        await deleteScopes(partner, scopes);
      }
    } catch (error) {
      throw left(error);
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
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) {
    throw new DriverError(failed[0].code, failed.map(withVendorMessage).join('; '));
  }
}
