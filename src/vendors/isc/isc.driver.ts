import { Injectable, type OnModuleDestroy } from '@nestjs/common';
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
  CopyComparison,
} from '../driver.js';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import type { ScopeContent, ScopePart, ScopeSummary } from '../scope-content.js';
import { childBlocks } from './conf/conf-walk.js';
import { findPeerDeclarations, listPeerReferences, readFailoverPeers } from './conf/isc-peer.mapper.js';
import { poolPeer, subnetSlots } from './conf/isc-pools.js';
import { hasAddressPools, isSubnetDisabled, removeSubnet, setSubnetEnabled } from './conf/isc-scope-state.js';
import { applyReservations } from './conf/isc-reservations.js';
import { OptionCatalog } from './conf/isc-options.js';
import {
  applyScopes,
  findSubnet,
  findSubnets,
  partialRangesCopy,
  readScopes,
  type IscSubnet,
  type ReadFindings,
} from './conf/isc-subnet.mapper.js';
import {
  compareCopy,
  CopyBaseCollector,
  copyScope,
  hostNameRefusal,
  isDeclarationEvidence,
  noteOrigin,
  noteRead,
  originOf,
  scopesFromEvidence,
  type CopyBase,
  type OriginRead,
} from './conf/isc-scope-copy.js';
import type { ConfSet } from './conf/include-resolver.js';
import { validateWithDhcpd } from './dhcpd-validation.js';
import { KeptReads } from '../kept-reads.js';
import { IscFailover } from './isc-failover.js';
import { iscSshPool } from './transport/ssh-pool.js';
import {
  type IscConfig,
  type IscConfigSession,
  iscConfigError,
  openIscConfig,
  withIscConfig,
} from './isc-config-session.js';

const VERSION_TIMEOUT_MS = 30_000;

/**
 * ISC dhcpd, reached over SSH or locally: dhcpd.conf (and its includes) parsed into a lossless syntax tree, changed
 * statement by statement, and written back validated by the server's own `dhcpd -t`. One connection per operation
 * (kept idle for the next one: transport/ssh-pool.ts), and a read kept for a write keeps its connection for it.
 */
@Injectable()
export class IscDriver implements DhcpDriver, OnModuleDestroy {
  readonly vendor = 'isc' as const;
  /** Relationships as `failover peer` declarations on both servers; state over OMAPI (see isc-failover.ts). */
  readonly failover = new IscFailover();

  /** A subnet is in a relationship (a `failover peer`) when one of its pools names the peer. */
  inRelationship(content: ScopeContent, peerName: string): boolean {
    return content.pools.some((pool) => pool.failoverPeer === peerName);
  }
  /**
   * Configurations read with `keepForWrite`, by server id, with the session (connection) they were read over, until
   * the write that follows takes them (saving a read, a parse and a connection). The write is still held to the
   * digests of that read: when the server was edited in between, nothing is written and the change is applied once
   * more to a fresh read, so the edit is kept, never overwritten. A kept read let go without a write (dropped,
   * replaced, expired, the application stopping) closes its connection.
   */
  private readonly kept = new KeptReads<KeptRead>((read) => read.session.close());

  async onModuleDestroy(): Promise<void> {
    await this.kept.clear();
    // After the kept reads, whose connections went back to the pool.
    await iscSshPool.clear();
  }

  checkConnection(target: ServerTarget): Promise<ConnectionReport> {
    return withIscConfig(target, async (session) => {
      const { dhcpdPath } = session.options;
      const version = await session.transport.exec([dhcpdPath, '--version'], {
        timeoutMs: VERSION_TIMEOUT_MS,
      });
      const versionText = `${version.stderr}\n${version.stdout}`.trim();
      if (version.exitCode === 127) {
        throw new DriverError(
          DriverErrorCode.unsupported,
          `${session.transport.description}: ${dhcpdPath} cannot be run (not found); register dhcpdPath`,
          versionText,
        );
      }
      const config = await session.read();
      await validateWithDhcpd(session.transport, {
        dhcpdPath,
        mainPath: session.options.configPath,
        configFile: session.options.configPath,
        leasesPath: session.options.leasesPath,
        timeoutMs: session.options.validateTimeoutMs,
      });
      const { peers, subnets } = describeConfig(target, config.set);
      return {
        software: 'ISC DHCP Server (dhcpd)',
        ...(versionOf(versionText) ? { version: versionOf(versionText) } : {}),
        facts: {
          versionDetail: versionText.split('\n')[0] ?? '',
          transport: session.transport.kind,
          reachedThrough: session.transport.description,
          configPath: session.options.configPath,
          files: [...config.set.files.keys()],
          configValid: true,
          subnets,
          failoverPeers: peers,
        },
      };
    });
  }

  listScopes(target: ServerTarget): Promise<ScopeSummary[]> {
    return withIscConfig(target, async (session) => {
      const { set } = await session.read();
      return guard(target, () =>
        findSubnets(set).map((subnet) => {
          const peer = subnetSlots(subnet).find((slot) => slot.peer)?.peer;
          return {
            subnet: subnet.cidr,
            enabled: !isSubnetDisabled(subnet.node),
            ...(peer ? { failover: peer } : {}),
          };
        }),
      );
    });
  }

  async readScope(target: ServerTarget, network: string): Promise<ScopeContent> {
    const scope = (await this.readScopes(target, [network])).get(network);
    if (!scope) throw noSubnet(target, network);
    return scope;
  }

  async readScopes(
    target: ServerTarget,
    networks?: readonly string[],
    options: ReadOptions = {},
  ): Promise<Map<string, ScopeContent>> {
    const session = await openIscConfig(target);
    let kept = false;
    try {
      const config = await session.read();
      // A read kept for a write: the write's `dhcpd -t` gets its session now, so that the remote shell's start
      // (login scripts and all) overlaps the parse and the diff instead of the upload (see prepareCommands). One
      // left unused goes when the read is let go.
      if (options.keepForWrite) session.transport.prepareCommands(1);
      const { set } = config;
      const found: ReadFindings = {};
      const collector = options.keepForWrite ? new CopyBaseCollector() : undefined;
      const read: OriginRead = { hosts: [] };
      if (options.forCopy || collector) {
        // Scopes copied from, or onto, are compared and copied as declarations where they can be (isc-scope-copy.ts),
        // so their parts other than subnet and pools are mapped only if something reads them.
        found.lazy = (map) => guard(target, map);
        found.scope = (content, declaration) => {
          const origin = originOf(target.id, set, declaration, read);
          noteOrigin(content, origin);
          collector?.scope(origin);
        };
      }
      const scopes = guard(target, () => readScopes(set, networks, found));
      read.hosts = found.hosts ?? [];
      if (options.forCopy || collector) noteRead(scopes, read);
      if (collector) {
        // The connection stays open for the write; the kept read closes it when it is let go.
        this.kept.keep(target, { config, session, copyBase: collector.base(read) });
        kept = true;
      }
      return scopes;
    } finally {
      if (!kept) await session.close();
    }
  }

  compareCopy(
    destination: ScopeContent | undefined,
    source: ScopeContent,
    parts: readonly ScopePart[],
  ): CopyComparison | undefined {
    return compareCopy(destination, source, parts);
  }

  partialCopy(
    destination: ScopeContent,
    source: ScopeContent,
    parts: readonly ScopePart[],
  ): { content: ScopeContent; notCopied: string } | undefined {
    return partialRangesCopy(destination, source, parts);
  }

  refuseCopy(
    destination: ReadonlyMap<string, ScopeContent>,
    source: ScopeContent,
    parts: readonly ScopePart[],
    _leg: CopyLeg,
    alongside?: ReadonlyMap<string, ScopeContent>,
  ): string | undefined {
    return hostNameRefusal(destination, source, parts, alongside);
  }

  scopesFromEvidence(evidence: unknown): { before: ScopeContent; after: ScopeContent } {
    if (!isDeclarationEvidence(evidence))
      throw new Error('not the evidence of an ISC declaration comparison');
    return scopesFromEvidence(evidence);
  }

  releaseRead(target: ServerTarget): void {
    this.kept.drop(target);
  }

  async writeScopes(
    target: ServerTarget,
    writes: ScopeWrite[],
    context?: WriteContext,
  ): Promise<WriteDigests> {
    const kept = this.kept.take(target);
    // No housekeeping (WriteContext): a forced full collection costs this write more than it saves; V8 collects the
    // reads' garbage in its own time (docs/benchmarks.md, session 13).
    const hooks = { beforeCommit: context?.beforeCommit };
    const source = context?.source?.vendor === 'isc' ? context.source.id : undefined;
    // All scopes in one change, so one validated write (and one restart) for the lot. Scopes replicated from another
    // ISC server are copied as declarations where that means the same (isc-scope-copy.ts); that needs the kept read.
    const apply = (set: ConfSet, base?: CopyBase): void =>
      applyScopes(
        set,
        writes,
        {},
        base && source
          ? (write, lookups, alongside) =>
              copyScope({ lookups, base, sourceId: source }, write.content, write.parts, alongside)
          : undefined,
      );
    const session = kept ? await stillOpen(target, kept.session) : await openIscConfig(target);
    try {
      if (kept) {
        try {
          const change = await session.change(kept.config, (set) => apply(set, kept.copyBase), hooks);
          return { before: change.before, after: change.after };
        } catch (error) {
          if (!(error instanceof DriverError) || error.code !== DriverErrorCode.conflict) throw error;
          // The server was edited since the kept read (nothing was written): apply to what is there now, once.
        }
      }
      const change = await session.change(await session.read(), apply, hooks);
      return { before: change.before, after: change.after };
    } finally {
      await session.close();
    }
  }

  removeScope(target: ServerTarget, network: string, how: ScopeRemoval): Promise<WriteDigests> {
    this.kept.drop(target);
    return withIscConfig(target, async (session) => {
      const config = await session.read();
      const change = await session.change(config, (set) => {
        const subnet = findSubnet(set, network);
        if (!subnet) throw noSubnet(target, network);
        if (how === 'disable') disable(target, subnet);
        else remove(target, set, subnet);
      });
      return { before: change.before, after: change.after };
    });
  }
}

/** A read kept for a write: the configuration and the open session it was read over. */
interface KeptRead {
  config: IscConfig;
  session: IscConfigSession;
  /** What the read says about copying scopes onto this server (isc-scope-copy.ts). */
  copyBase: CopyBase;
}

/**
 * The kept session when its connection still answers; else (closed by the server meanwhile) it is closed here and a
 * new one opened: the kept configuration stays a valid base, since the write is held to its digests anyway.
 */
async function stillOpen(target: ServerTarget, session: IscConfigSession): Promise<IscConfigSession> {
  if (await session.answers()) return session;
  await session.close();
  return openIscConfig(target);
}

function disable(target: ServerTarget, subnet: IscSubnet): void {
  if (!hasAddressPools(subnet.node)) {
    throw new DriverError(
      DriverErrorCode.unsupported,
      `subnet ${subnet.cidr} on ${target.name} has no address pool, so there is nothing to disable ` +
        '(its host reservations are global to dhcpd and keep answering); delete it instead',
    );
  }
  setSubnetEnabled(subnet.file, subnet.node, false);
}

/**
 * Deletes the subnet and its reservations (hosts whose only fixed address is in it; hosts with addresses elsewhere
 * lose this one). dhcpd refuses a failover peer no pool names, so deleting the last scope of a peer is refused with
 * the way out, rather than left for `dhcpd -t` to reject.
 */
function remove(target: ServerTarget, set: ConfSet, subnet: IscSubnet): void {
  const ownPools = new Set(childBlocks(subnet.node, 'pool'));
  const declared = new Set(findPeerDeclarations(set).map((peer) => peer.name));
  const references = listPeerReferences(set);
  for (const pool of ownPools) {
    const peer = poolPeer(pool);
    if (!peer || !declared.has(peer)) continue;
    if (references.some((reference) => reference.peer === peer && !ownPools.has(reference.pool))) continue;
    throw new DriverError(
      DriverErrorCode.conflict,
      `subnet ${subnet.cidr} holds the last pools on ${target.name} that name failover peer "${peer}", and dhcpd ` +
        `refuses a peer no pool names: delete the peer, or move another scope to it, first (or disable the scope)`,
    );
  }
  applyReservations(set, subnet, [], new OptionCatalog(set), {});
  removeSubnet(set, subnet);
}

function describeConfig(
  target: ServerTarget,
  set: ConfSet,
): { peers: Array<Record<string, unknown>>; subnets: number } {
  return guard(target, () => {
    const references = listPeerReferences(set);
    const peers = readFailoverPeers(set).map((peer) => ({
      name: peer.name,
      role: peer.role,
      address: peer.address,
      port: peer.port,
      peerAddress: peer.peerAddress,
      peerPort: peer.peerPort,
      pools: references.filter((reference) => reference.peer === peer.name).length,
    }));
    return { peers, subnets: findSubnets(set).length };
  });
}

/** `isc-dhcpd-4.4.3-P1` -> `4.4.3-P1`. */
function versionOf(text: string): string | undefined {
  return /isc-dhcpd-(\S+)/.exec(text)?.[1] ?? /DHCP Server (\d\S*)/.exec(text)?.[1];
}

/** The mapping layers fail with their own errors; the driver answers with DriverErrors only. */
function guard<T>(target: ServerTarget, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw iscConfigError(target, error);
  }
}

function noSubnet(target: ServerTarget, network: string): DriverError {
  return new DriverError(
    DriverErrorCode.notFound,
    `ISC server ${target.name} has no subnet ${network} in its dhcpd configuration`,
  );
}
