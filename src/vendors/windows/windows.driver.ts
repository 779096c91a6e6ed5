import { Injectable } from '@nestjs/common';
import type {
  ConnectionReport,
  CopyLeg,
  DhcpDriver,
  ReadOptions,
  ScopeRemoval,
  ScopeWrite,
  ServerTarget,
  WriteContext,
  WriteDigests,
} from '../driver.js';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import { KeptReads } from '../kept-reads.js';
import { scopeNetwork, type ScopeContent, type ScopePart, type ScopeSummary } from '../scope-content.js';
import { psString } from './powershell/ps-literal.js';
import { PsScript } from './powershell/ps-script.js';
import { LIST_FAILOVERS, LIST_SCOPES, readScopeStatements } from './windows-projections.js';
import { guard, readScopesInOneSession, relationshipOfScopes, valueOf } from './windows-scope-reads.js';
import { type WindowsFailoverInfo, WindowsFailover } from './windows-failover.js';
import { summaryFromWindows, type WindowsScope } from './windows-scope.mapper.js';
import { writeScopesInBatches } from './windows-scope-batches.js';
import { inRelationshipNamed, networkOf, replicateNatively } from './windows-native-replication.js';
import { runBatch, windowsSshSettings } from './windows-session.js';
import { copyRefusal, planWrite } from './windows-write-plan.js';
import { editedPart, throwCombined } from './windows-write-parts.js';
import { sshDescription } from '../ssh/ssh-settings.js';
import { digestOf } from './windows-failover.js';

/**
 * Windows Server DHCP through the DhcpServer PowerShell module over OpenSSH: each operation is one or a few batches,
 * each batch one SSH session running one script (docs/windows.md). Reads of many scopes take one session; writes are
 * batched many scopes per session, each scope its own step so that a failure names the scopes it stopped.
 */
@Injectable()
export class WindowsDriver implements DhcpDriver {
  readonly vendor = 'windows' as const;
  readonly failover = new WindowsFailover();
  /** Scopes read with `keepForWrite`, the base the following write computes its cmdlets from. */
  private readonly kept = new KeptReads<Map<string, ScopeContent>>();

  inRelationship(content: ScopeContent, peerName: string): boolean {
    return inRelationshipNamed(content, peerName);
  }

  refuseCopy(
    destination: ReadonlyMap<string, ScopeContent>,
    source: ScopeContent,
    parts: readonly ScopePart[],
    leg: CopyLeg,
  ): string | undefined {
    return copyRefusal(destination.get(scopeNetwork(source.subnet)), source, parts, leg);
  }

  async checkConnection(target: ServerTarget): Promise<ConnectionReport> {
    const script = new PsScript();
    script.step(
      [],
      "@(Get-Module -ListAvailable -Name 'DhcpServer' | ForEach-Object { [string]$_.Version })",
    );
    script.step([], '@{ name = [string]$env:COMPUTERNAME }');
    script.step([], LIST_FAILOVERS);
    script.step([], LIST_SCOPES);
    const [module, server, failovers, scopes] = await runBatch(target, script);
    const versions = valueOf<string[]>(module, target, 'read the DhcpServer module version');
    if (versions.length === 0) {
      throw new DriverError(
        DriverErrorCode.unsupported,
        `Windows server ${target.name} has no DhcpServer PowerShell module (install the DHCP Server role tools)`,
      );
    }
    const relationships = valueOf<WindowsFailoverInfo[]>(failovers, target, 'list failover relationships');
    return {
      software: 'Windows Server DHCP (DhcpServer module)',
      version: versions[0],
      facts: {
        serverName: valueOf<{ name: string }>(server, target, 'read the server name').name,
        reachedThrough: sshDescription(windowsSshSettings(target)),
        scopes: valueOf<unknown[]>(scopes, target, 'list scopes').length,
        failoverRelationships: relationships.map((relationship) => ({
          name: relationship.name,
          partnerServer: relationship.partnerServer,
          mode: relationship.mode,
          serverRole: relationship.serverRole,
          state: relationship.state,
          scopes: relationship.scopeIds.length,
        })),
      },
    };
  }

  async listScopes(target: ServerTarget): Promise<ScopeSummary[]> {
    const script = new PsScript();
    script.step([], LIST_SCOPES);
    script.step([], LIST_FAILOVERS);
    const [scopes, failovers] = await runBatch(target, script);
    const membership = relationshipOfScopes(valueOf(failovers, target, 'list failover relationships'));
    return valueOf<Array<Pick<WindowsScope, 'scopeId' | 'mask' | 'name' | 'state'>>>(
      scopes,
      target,
      'list scopes',
    ).map((scope) => guard(() => summaryFromWindows(scope, membership.get(scope.scopeId))));
  }

  async readScope(target: ServerTarget, network: string): Promise<ScopeContent> {
    const scope = (await this.readScopes(target, [network])).get(network);
    if (!scope) {
      throw new DriverError(
        DriverErrorCode.notFound,
        `Windows server ${target.name} has no scope ${network}`,
      );
    }
    return scope;
  }

  async readScopes(
    target: ServerTarget,
    networks?: readonly string[],
    options: ReadOptions = {},
  ): Promise<Map<string, ScopeContent>> {
    const scopes = await readScopesInOneSession(target, networks);
    if (options.keepForWrite) this.kept.keep(target, scopes);
    return scopes;
  }

  releaseRead(target: ServerTarget): void {
    this.kept.drop(target);
  }

  async writeScopes(
    target: ServerTarget,
    writes: ScopeWrite[],
    context: WriteContext,
  ): Promise<WriteDigests> {
    context.housekeeping?.();
    const networks = writes.map(networkOf);
    // Windows validates each cmdlet as it runs, so there is nothing to check first; the caller's write-ahead record
    // is made durable while the base is read, before the first batch changes the server.
    const { before, native, cmdlets, edited } = await planWrite(
      target,
      writes,
      this.kept.take(target),
      context,
    );
    const [nativeOutcome, cmdletOutcome] = await Promise.allSettled([
      context.source && native.length > 0 ? replicateNatively(context.source, target, native) : undefined,
      writeScopesInBatches(target, cmdlets, before),
    ]);
    throwCombined(
      [
        { networks: native.map(networkOf), outcome: nativeOutcome },
        { networks: cmdlets.map(networkOf), outcome: cmdletOutcome },
        editedPart(edited),
      ],
      target,
    );
    return {
      before: digestOf(networks.map((network) => before.get(network) ?? null)),
      after: digestOf(writes.map((write) => write.content)),
    };
  }

  async removeScope(target: ServerTarget, network: string, how: ScopeRemoval): Promise<WriteDigests> {
    this.kept.drop(target);
    const id = psString(network);
    const script = new PsScript();
    script.step(readScopeStatements(id), '$scope');
    script.step([
      how === 'delete'
        ? `Remove-DhcpServerv4Scope -ScopeId ${id} -Force`
        : `Set-DhcpServerv4Scope -ScopeId ${id} -State 'InActive'`,
    ]);
    const [read, change] = await runBatch(target, script);
    const before = valueOf<WindowsScope>(read, target, `read scope ${network}`);
    valueOf(change, target, `${how} scope ${network}`);
    return {
      before: digestOf(before),
      after: how === 'delete' ? digestOf(null) : digestOf({ ...before, state: 'InActive' }),
    };
  }
}
