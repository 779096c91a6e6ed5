import type { Vendor } from './vendor.js';
import type { ScopeContent, ScopePart, ScopeSummary } from './scope-content.js';

/**
 * The port every vendor implements. Nothing outside `vendors/` knows a vendor's wire format; callers pass a
 * {@link ServerTarget} (the registry's row with credentials decrypted) and get vendor-neutral answers or a
 * `DriverError`.
 */
export interface ServerTarget {
  id: string;
  name: string;
  vendor: Vendor;
  address: string;
  /** Non-secret connection settings, as registered. */
  connection: Record<string, unknown>;
  /** Decrypted secrets (passwords, private keys); never logged. */
  secrets: Record<string, string>;
}

export interface ConnectionReport {
  /** Product and version as the server reports them, e.g. `Kea 2.2.0`. */
  software: string;
  version?: string;
  /** Further facts (hooks loaded, HA state, peers found, ...). */
  facts: Record<string, unknown>;
}

export interface ReadOptions {
  /**
   * The caller holds the server's lock and writes to it next (read-diff-write): the driver may keep what it read
   * as the base of that write instead of reading again. It must still detect a change made on the server meanwhile.
   */
  keepForWrite?: boolean;
  /**
   * The scopes read are compared with, or copied unchanged to, another server's of the same vendor (replication:
   * the source, whose scopes that write's `WriteContext.source` names, and the destination of a dry run): a driver
   * may note where each came from, to compare (compareCopy) or copy it its own way.
   */
  forCopy?: boolean;
}

/** One scope to write: its full content, and which parts of it replace the destination's. */
export interface ScopeWrite {
  content: ScopeContent;
  parts: readonly ScopePart[];
}

export interface WriteContext {
  /** Who asked, for the vendor's own logs where it keeps any. */
  principalId: string;
  /** Job or request id that caused the write, recorded in the audit trail. */
  correlationId: string;
  /**
   * The server the content was read from, when it is a copy (replication): a vendor with a native way to copy a
   * scope between partners (Windows: Invoke-DhcpServerv4FailoverReplication) may use it.
   */
  source?: ServerTarget;
  /**
   * Whether the vendor's own copy (see `source`) may be used; `false` writes every scope part by part through the
   * destination's own commands. Absent: allowed.
   */
  native?: boolean;
  /**
   * Awaited by the driver after its own checks (the vendor's validation of the new configuration) and before the
   * first change reaches the live configuration; a rejection abandons the write with nothing changed. Lets a caller
   * make a record durable (a write-ahead) while the driver prepares, instead of before it starts.
   */
  beforeCommit?: () => Promise<void>;
  /**
   * Main-thread work the caller would like done before the write (the replication job: a full collection of its
   * reads' garbage, which keeps a large Kea or Windows write's peak memory down). A driver whose write it would
   * only slow (ISC, measured) does not call it.
   */
  housekeeping?: () => void;
}

export type ScopeRemoval = 'delete' | 'disable';

/** Digests of the server's configuration before and after a write, for the audit trail. */
export interface WriteDigests {
  before: string;
  after: string;
}

export type FailoverMode = 'hot-standby' | 'load-balancing' | 'passive-backup';

/** One server's side of a failover relationship, as the driver writes it. */
export interface FailoverSide {
  target: ServerTarget;
  /** Vendor role: primary, secondary, standby or backup. */
  role: string;
  /** The name this server goes by inside the relationship (Kea: this-server-name and peer name). */
  peerName: string;
  /** Per-side vendor settings (Kea: auto-failover). */
  settings: Record<string, unknown>;
}

export interface FailoverSpec {
  name: string;
  mode: FailoverMode;
  /** Both sides; the driver writes `sides[local]` onto `sides[local].target`. */
  sides: [FailoverSide, FailoverSide];
  /**
   * Relationship-wide vendor settings (Kea: heartbeat-delay, max-response-delay, ...). A key set to `null` is one a
   * PATCH withdrew: its default applies, not the value the server has.
   */
  settings: Record<string, unknown>;
  /**
   * On a PATCH that changes a secret: the secrets the record held before it (in clear, in memory only), so an undo can
   * put them back where the server never returns one (Windows).
   */
  previousSecrets?: Record<string, unknown>;
}

/** What a failover change replaced, so a two-server operation can put the first server back when the second fails. */
export interface FailoverChange {
  before: string;
  after: string;
  changed: boolean;
  /** Restores the configuration the server had before this change. */
  undo(): Promise<void>;
}

export interface FailoverState {
  /** The vendor's state name, e.g. `hot-standby`, `partner-down`, `waiting`. */
  state: string;
  partnerState?: string;
  scopesServed?: string[];
  unackedClients?: number;
  /** When the server last heard from its partner (ISO 8601), where known. */
  lastContact?: string;
  /** The vendor's answer, for callers who need more. */
  detail: Record<string, unknown>;
}

/** A failover relationship found configured on a server (made outside this service or by it). */
export interface DiscoveredFailover {
  name: string;
  mode: FailoverMode;
  thisPeer: string;
  peers: Array<{ name: string; role: string; url?: string; autoFailover?: boolean }>;
  settings: Record<string, unknown>;
  /**
   * Where this server listens for its partner and where it reaches it (ISC: `address:port` and
   * `peer address:peer port`), for vendors whose configuration names no per-server URL: two servers pair up when
   * each one's partner endpoint is the other's own, under the same relationship name.
   */
  endpoints?: { self: string; partner: string };
  /** This server's per-side settings as found (ISC: its failover address and port). */
  sideSettings?: Record<string, unknown>;
}

/**
 * Failover of vendors whose relationships name their scopes and exist on the servers only while they hold one
 * (Windows: `Add-DhcpServerv4Failover` needs a scope). A relationship without scopes is only a record; scopes join
 * and leave through these operations, each of which changes both servers (the vendor copies the scope across).
 */
export interface FailoverScopeOperations {
  /**
   * Adds `network`, which `spec.sides[from]` holds, to the relationship; `create` when it has no scope yet, which
   * creates the relationship on both servers with it. The partner gets its copy of the scope.
   */
  addScope(
    spec: FailoverSpec,
    from: 0 | 1,
    network: string,
    create: boolean,
    context: WriteContext,
  ): Promise<FailoverChange>;
  /**
   * Takes `network` out of the relationship: `spec.sides[keep]` keeps its copy; the other's is deleted or kept
   * disabled, all or nothing. `empty` says whether the relationship is left without scopes (then gone from both).
   */
  removeScope(
    spec: FailoverSpec,
    keep: 0 | 1,
    network: string,
    other: ScopeRemoval,
    context: WriteContext,
  ): Promise<FailoverChange & { empty: boolean }>;
  /** Removes the relationship from both servers; its scopes stay on `keep`, the other's copies deleted or disabled. */
  removeRelationship(
    spec: FailoverSpec,
    keep: 0 | 1,
    other: ScopeRemoval,
    context: WriteContext,
  ): Promise<FailoverChange & { scopes: string[] }>;
}

/**
 * What removing one of a server's failover configurations does with what names it, where a server may hold several
 * (ISC: the pools naming the removed peer, by the seed's delete-peer rule).
 */
export interface FailoverRemoval {
  /** The configuration removed (ISC: the peer's name). */
  name: string;
  /**
   * `references-removed`: no other is left, so what named it names none now; `references-moved`: it names
   * `replacement` now (absent when nothing named it); `choice-needed` (a plan only): two or more others are left and
   * the caller must name one of `choices`; `absent`: the server does not have it (nothing to remove).
   */
  outcome: 'references-removed' | 'references-moved' | 'choice-needed' | 'absent';
  replacement?: string;
  choices?: string[];
  /** How many declarations named it (ISC: pools). */
  pools: number;
  /** The scopes (CIDR) those serve. */
  scopes: string[];
}

/** The vendor's failover operations, where the vendor has them. */
export interface FailoverOperations {
  /** Present where relationships are made by adding scopes (Windows); then `applyFailover` only changes settings. */
  readonly scopes?: FailoverScopeOperations;
  /** Writes this server's side of `spec` (replacing any failover it had). */
  applyFailover(local: 0 | 1, spec: FailoverSpec, context: WriteContext): Promise<FailoverChange>;
  /**
   * Removes the server's failover configuration; its scopes stay. `peerName` (the relationship member's) names the
   * one to remove where a server may hold several (ISC peers); absent, all of them. What named the removed one
   * follows the vendor's rule (ISC, the seed's delete-peer rule: `replacement` where two or more others are left),
   * and `removal` says what became of it.
   */
  removeFailover(
    target: ServerTarget,
    context: WriteContext,
    peerName?: string,
    replacement?: string,
  ): Promise<FailoverChange & { removal?: FailoverRemoval }>;
  /**
   * Where a server may hold several (ISC peers): what removeFailover of `peerName` with `replacement` would do with
   * what names it, read from the server and nothing written, so that a two-server removal can ask the caller before
   * it writes either. A `replacement` that is not another one on the server is a 400 on `query.replacement`.
   */
  planFailoverRemoval?(
    target: ServerTarget,
    peerName: string,
    replacement?: string,
  ): Promise<FailoverRemoval>;
  /** `peerName` as for removeFailover: which of the server's relationships to read (ISC: the peer's name). */
  readFailoverState(target: ServerTarget, peerName?: string): Promise<FailoverState>;
  /** Every failover relationship configured on the server (Kea: its one HA relationship; ISC: each peer). */
  discoverFailover(target: ServerTarget): Promise<DiscoveredFailover[]>;
  /**
   * Whether one server may take part in several relationships (ISC: one per `failover peer`), so that discovery
   * still asks a server already in a managed relationship for the others.
   */
  readonly severalPerServer?: boolean;
  /**
   * Whether each server's failover configuration holds its partner's registered connection (Kea 2.2: the peers'
   * agent URLs and basic-auth credentials), so that a change of a member's `connection` is written to both servers.
   */
  readonly holdsPartnerConnection?: boolean;
}

export interface DhcpDriver {
  readonly vendor: Vendor;
  /** Reaches the server with the registered settings and reports what it is. */
  checkConnection(target: ServerTarget): Promise<ConnectionReport>;
  listScopes(target: ServerTarget): Promise<ScopeSummary[]>;
  /** Full content of one scope, by its network address (e.g. `10.1.2.0`). */
  readScope(target: ServerTarget, network: string): Promise<ScopeContent>;
  /**
   * Full content of many scopes in one read where the vendor allows (Kea, ISC: one configuration read), keyed by
   * network address; all of the server's scopes when `networks` is absent. Networks the server lacks are absent.
   */
  readScopes(
    target: ServerTarget,
    networks?: readonly string[],
    options?: ReadOptions,
  ): Promise<Map<string, ScopeContent>>;
  /**
   * Replaces the chosen parts of several scopes; all or nothing where the vendor allows. Callers pass the scopes
   * they have found to differ (or want written again, e.g. after an interrupted write): the write is sent even when
   * the server's content would not change, so that it is applied and persisted. A vendor that cannot write them all
   * or nothing (Windows) fails with a `DriverError` whose `scopes` says which landed and which did not.
   */
  writeScopes(target: ServerTarget, writes: ScopeWrite[], context: WriteContext): Promise<WriteDigests>;
  /**
   * Lets go now of a read kept with `keepForWrite` that no write will take (the caller found nothing to write, or
   * failed before writing), rather than at its expiry: what it holds (ISC: an open connection) is freed. Called under
   * the same lock as the read; nothing when no read is kept.
   */
  releaseRead?(target: ServerTarget): void;
  removeScope(
    target: ServerTarget,
    network: string,
    how: ScopeRemoval,
    context: WriteContext,
  ): Promise<WriteDigests>;
  readonly failover?: FailoverOperations;
  /**
   * Whether a scope read from this server belongs to its failover relationship whose member's name here is
   * `peerName` (ISC: a pool names that peer; Windows: the scope is in that relationship). Absent where every scope
   * of a server is in its relationship (Kea: HA covers all subnets).
   */
  inRelationship?(content: ScopeContent, peerName: string): boolean;
  /**
   * Replication between two servers of this vendor: whether the destination's scope already says what a copy of the
   * source's would, decided from the servers' own declarations instead of the model (ISC: the subnet declarations'
   * text), for scopes read from the source with `forCopy` and from the destination with `keepForWrite` or
   * `forCopy` (a dry run). Undefined where it cannot be decided so: then the caller diffs the model. When they
   * differ, `evidence` (JSON) is what the diff in the model's terms is made from when it is asked for
   * (scopesFromEvidence).
   */
  compareCopy?(
    destination: ScopeContent | undefined,
    source: ScopeContent,
    parts: readonly ScopePart[],
  ): CopyComparison | undefined;
  /** The scopes, before and after, that compareCopy's evidence describes. */
  scopesFromEvidence?(evidence: unknown): { before: ScopeContent; after: ScopeContent };
  /**
   * Where a write of some parts cannot copy them as the source has them (ISC: pools and exclusions are one set of
   * ranges, so one without the other keeps the destination's): the destination's scope `destination` as that write
   * leaves it (what the diff is made against) and what of the source's does not get there, and why. Undefined: the
   * parts are copied as they are.
   */
  partialCopy?(
    destination: ScopeContent,
    source: ScopeContent,
    parts: readonly ScopePart[],
  ): { content: ScopeContent; notCopied: string } | undefined;
  /**
   * Replication: why the write of `source`'s parts onto the destination, read as `destination` (readScopes' answer:
   * the scope of the same network absent when it has none), would be refused, or undefined. Asked before anything is
   * written, in a dry run too, so that the scope fails on its own with the reason the write would meet and the others
   * are written (Windows: an exclusion outside the range kept; a scope of the relationship the partner lacks, which
   * cmdlets would create outside it, or holds outside it, which they would write there. ISC: a host name a
   * destination host the write leaves in place has).
   * `alongside`: the source's scopes the same write would replace, by network, this one among them; a refusal may
   * count on what they change. The caller asks again without a scope refused (it is not written), until no more is.
   */
  refuseCopy?(
    destination: ReadonlyMap<string, ScopeContent>,
    source: ScopeContent,
    parts: readonly ScopePart[],
    leg: CopyLeg,
    alongside?: ReadonlyMap<string, ScopeContent>,
  ): string | undefined;
  /**
   * Why two partners' copies of one scope, both present, cannot fail over as they are although their content may
   * agree (Kea: their subnet ids differ, and HA partners refuse each other's lease updates for it), or undefined.
   * `leg.source` holds `source`, `leg.destination` holds `destination`. Asked by the relationship's scope listing
   * and by a replication, whose write leaves it as it is.
   */
  copiesConflict?(destination: ScopeContent, source: ScopeContent, leg: CopyLeg): string | undefined;
}

/** A replication leg, for a refusal to name (DhcpDriver.refuseCopy). */
export interface CopyLeg {
  relationshipId: string;
  source: ServerTarget;
  destination: ServerTarget;
}

export type CopyComparison = { same: true } | { same: false; evidence: unknown };
