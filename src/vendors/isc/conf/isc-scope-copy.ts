import { SCOPE_PARTS, type ScopeContent, type ScopePart } from '../../scope-content.js';
import { childBlocks, isBlock, isStatement } from './conf-walk.js';
import { setStatementTokens } from './conf-edit.js';
import { includeTarget, type ConfSet } from './include-resolver.js';
import type { IscHost } from './isc-hosts.js';
import { hostNameClash, hostsByName, SubnetSet } from './isc-reservations.js';
import { declareOptionDefinitions } from './isc-option-definitions.js';
import { subnetPeer } from './isc-pools.js';
import { declarationText, sameDeclaration, scopeFromDeclaration } from './isc-declaration-text.js';
import {
  defaultPeer,
  isPlainDeclaration,
  type HostsWithin,
  type IscSubnet,
  type ScopeDeclaration,
  type ScopeWriteLookups,
} from './isc-subnet.mapper.js';
import { cidrRange, contains, ipToNumber } from './ipv4.js';
import { headWord } from './node-head.js';
import { SourceBlock } from './source-nodes.js';
import { firstToken, quote, type BlockNode, type ConfNode } from './syntax-tree.js';

/**
 * Scope replication between two ISC servers copies subnet declarations as text: the destination's declaration of a
 * scope is replaced by the source's (its pools naming the destination's own failover peer), instead of being edited
 * statement by statement from the model. A declaration that was not changed is printed as a slice of the source's
 * text, so replacing a thousand subnets costs about as much as copying their bytes.
 *
 * Only where the result means exactly what the model's edit would write: all parts replaced; both declarations
 * "plain" (everything in them is in the model: no statements the model keeps as vendorExtras text, which an edit
 * leaves as the destination has them); every host with an address in the subnet declared inside the subnet's block
 * and with no address outside it, on both sides (dhcpd's hosts are global, and the edit matches them wherever they
 * are); no include inside either block; no host name the copy brings in used by another host of the destination
 * outside the subnets the same write replaces the hosts of (which the edit refuses too, naming both:
 * hostNameRefusal); both files with the same line endings (the copy keeps the source's, which would mix them); both
 * declarations indented alike (the copy keeps the source's indentation, which at another depth would not line up
 * with the destination's). Anything else is written by the model's edit. What differs: the copied declaration keeps
 * the source's comments, spacing and statement order within the block (the destination's comments in front of the
 * subnet stay).
 */

/** Where a scope read for a copy, or for a write a copy may make, came from: its declaration in that server's tree. */
export interface ScopeOrigin {
  serverId: string;
  subnet: IscSubnet;
  /**
   * When the declaration can be copied: it is plain (see above; isPlainDeclaration) and its reservations are the
   * host declarations of its block (ownHosts), which these are. Undefined otherwise.
   */
  plainHosts: IscHost[] | undefined;
  /** The configuration's own option definitions (OptionCatalog.declarations). */
  definitions: string;
  /** The failover peer the block's pools name (the first that names one). */
  poolPeer: string | undefined;
  /** The read it came from, shared by its scopes. */
  read: OriginRead;
}

/** What the scopes of one read share: every host declaration of the configuration (ReadFindings.hosts). */
export interface OriginRead {
  hosts: readonly IscHost[];
  /** The host declarations with each name; found on first use (hostsByNameOf). */
  byName?: Map<string, IscHost[]>;
}

/** The read's host declarations by name, for the name checks of a copy and of a refusal (hostNameClash). */
function hostsByNameOf(read: OriginRead): Map<string, IscHost[]> {
  return (read.byName ??= hostsByName(read.hosts));
}

const origins = new WeakMap<ScopeContent, ScopeOrigin>();

/**
 * Where a scope came from, for a read that may be copied from or onto (ReadFindings.scope of such a read); `read`
 * gets its hosts once the read is done.
 */
export function originOf(
  serverId: string,
  set: ConfSet,
  declaration: ScopeDeclaration,
  read: OriginRead,
): ScopeOrigin {
  const { subnet, catalog, within } = declaration;
  const hosts = ownHosts(set, subnet, within);
  return {
    serverId,
    subnet,
    plainHosts: hosts && isPlainDeclaration(subnet, catalog, within) ? hosts : undefined,
    definitions: catalog.declarations(),
    poolPeer: subnetPeer(subnet.node),
    read,
  };
}

/** Records the declaration a scope was read from; the content must reach the copy unchanged. */
export function noteOrigin(content: ScopeContent, origin: ScopeOrigin): void {
  origins.set(content, origin);
}

/** vendorExtras keys that hold text the model could not place: a scope with any of them is not plain. */
const UNMODELLED = ['statements', 'poolStatements', 'hostStatements'];

/**
 * Plainness in the model's terms: the definition isPlainDeclaration decides from the declaration without mapping it
 * (the spec holds the two equal on a corpus; the copy itself uses the declaration's verdict).
 */
export function isPlain(content: ScopeContent): boolean {
  const extras = content.vendorExtras;
  return !extras || UNMODELLED.every((key) => extras[key] === undefined);
}

/**
 * The host declarations of a subnet's block, when they are exactly the hosts with an address in the subnet: each is
 * declared in the block (not elsewhere, as dhcpd allows) with every address in the subnet, and every host of the
 * block is one of them. Undefined otherwise, or when the block holds an include.
 */
export function ownHosts(set: ConfSet, subnet: IscSubnet, within: HostsWithin): IscHost[] | undefined {
  // Every include is followed when the configuration is read, so a single file has none.
  if (set.files.size > 1 && holdsInclude(subnet.node)) return undefined;
  const range = cidrRange(subnet.cidr);
  const hosts: IscHost[] = [];
  for (const { host } of within) {
    if (host.container !== subnet.node) return undefined;
    // A host with one address is within the subnet by that address (its index found it so): nothing to parse again.
    if (host.addresses.length > 1) {
      if (!host.addresses.every((address) => contains(range, ipToNumber(address)))) return undefined;
    }
    hosts.push(host);
  }
  let declared = 0;
  for (const node of subnet.node.body) if (isBlock(node, 'host')) declared += 1;
  return declared === hosts.length ? hosts : undefined;
}

/** What the destination's read says about copying onto it (kept with the read for the write that follows). */
export interface CopyBase {
  /** Plain subnets (see above) whose reservations are the hosts of their block, by network, with those hosts. */
  plain: Map<string, IscHost[]>;
  /** Every host declaration of the configuration, as read. */
  read: OriginRead;
  /** Host names the write's copies brought so far (a name brought twice would be declared twice). */
  brought: Set<string>;
  /** The configuration's own option definitions (OptionCatalog.declarations). */
  definitions: string | undefined;
}

/** Gathers a destination's CopyBase during its read: `scope` for each scope read, then `base`. */
export class CopyBaseCollector {
  private readonly plain = new Map<string, IscHost[]>();
  private definitions: string | undefined;

  scope(origin: ScopeOrigin): void {
    this.definitions = origin.definitions;
    if (origin.plainHosts) this.plain.set(origin.subnet.network, origin.plainHosts);
  }

  /** `read`: the read's OriginRead, its hosts set. */
  base(read: OriginRead): CopyBase {
    return { plain: this.plain, read, brought: new Set(), definitions: this.definitions };
  }
}

/**
 * Whether the destination's declaration of a scope already says what a copy of the source's would (`same`), decided
 * from both declarations' text where a copy would be made (see above: both plain, own hosts, all parts, no host name
 * another destination host has, a peer for the pools to name, files with the same line endings) and both servers
 * define the same options. When they differ, `evidence` holds both declarations, from which the diff in the model's
 * terms is made when asked for (scopesFromEvidence), instead of mapping both now. Undefined where the text cannot
 * decide: then the model is compared. (A copy the write still declines, its read gone stale, is made by the edit:
 * the evidence says the same.)
 */
export function compareCopy(
  destination: ScopeContent | undefined,
  source: ScopeContent,
  parts: readonly ScopePart[],
): CopyComparison | undefined {
  if (!destination || !SCOPE_PARTS.every((part) => parts.includes(part))) return undefined;
  const from = origins.get(source);
  const to = origins.get(destination);
  if (!from?.plainHosts || !to?.plainHosts || from.definitions !== to.definitions) return undefined;
  if (from.serverId === to.serverId || from.subnet.cidr !== to.subnet.cidr) return undefined;
  if (from.subnet.file.newline !== to.subnet.file.newline) return undefined;
  if (headerIndent(from.subnet.node) !== headerIndent(to.subnet.node)) return undefined;
  // Where the copy would be declined, the edit writes the model: declarations that differ only in how they are
  // written would then be "replaced" by a write that changes nothing, on every run.
  if (from.poolPeer !== undefined && to.poolPeer === undefined) return undefined;
  const byName = hostsByNameOf(to.read);
  if (nameClash(from.plainHosts, to.plainHosts, (name) => byName.get(name)?.length ?? 0)) return undefined;
  const after = declarationText(from.subnet.node);
  const before = declarationText(to.subnet.node);
  if (!after || !before) return undefined;
  if (sameDeclaration(after, before)) return { same: true };
  return { same: false, evidence: { definitions: from.definitions, before: before.text, after: after.text } };
}

export type CopyComparison = { same: true } | { same: false; evidence: DeclarationEvidence };

/** Saved evidence (JSON read back) checked for its shape. */
export function isDeclarationEvidence(value: unknown): value is DeclarationEvidence {
  if (typeof value !== 'object' || value === null) return false;
  const evidence = value as Record<string, unknown>;
  return ['definitions', 'before', 'after'].every((key) => typeof evidence[key] === 'string');
}

/** Two declarations of a scope, destination's (`before`) and source's (`after`), and the definitions they use. */
export interface DeclarationEvidence {
  definitions: string;
  before: string;
  after: string;
}

/** The scopes evidence was made from (compareCopy): `before` and `after` in the model. */
export function scopesFromEvidence(evidence: DeclarationEvidence): {
  before: ScopeContent;
  after: ScopeContent;
} {
  return {
    before: scopeFromDeclaration(evidence.definitions, evidence.before),
    after: scopeFromDeclaration(evidence.definitions, evidence.after),
  };
}

export interface CopyTarget {
  lookups: ScopeWriteLookups;
  base: CopyBase;
  /** The server the writes were read from (WriteContext.source): only its declarations are copied. */
  sourceId: string;
  /** The destination's peer for pools that name one, when the caller sets it (ApplyOptions.failoverPeer). */
  failoverPeer?: string;
}

/**
 * Replaces the destination's declaration of `content`'s subnet with the source's, when the copy means what the
 * model's edit would write (see above); returns false, having changed nothing, when it would not. `alongside`: the
 * subnets the same write replaces the hosts of (this one among them).
 */
export function copyScope(
  target: CopyTarget,
  content: ScopeContent,
  parts: readonly ScopePart[],
  alongside: SubnetSet,
): boolean {
  const origin = origins.get(content);
  if (!origin?.plainHosts || origin.serverId !== target.sourceId) return false;
  if (!SCOPE_PARTS.every((part) => parts.includes(part))) return false;
  const { lookups, base } = target;
  const network = origin.subnet.network;
  const destination = lookups.subnet(network);
  const leaving = base.plain.get(network);
  if (!destination || !leaving || destination.cidr !== origin.subnet.cidr) return false;
  // The copy is the source's text: into a file with other line endings, the edit writes it in the file's own.
  if (origin.subnet.file.newline !== destination.file.newline) return false;
  // The copy's lines keep the source's indentation: at another depth (a subnet in a shared-network on one side only)
  // they would not line up with the destination's, so the edit writes it in the destination's own layout.
  if (headerIndent(origin.subnet.node) !== headerIndent(destination.node)) return false;
  const incoming = origin.plainHosts;
  // A name a host the write leaves in place has would be declared twice, which dhcpd refuses (the edit refuses it).
  const byName = hostsByNameOf(base.read);
  if (hostNameClash(origin.subnet.cidr, incoming, (name) => byName.get(name), alongside) !== undefined)
    return false;
  if (incoming.some((host) => base.brought.has(host.name))) return false;
  const peerName = target.failoverPeer ?? subnetPeer(destination.node) ?? defaultPeer(lookups.peers, content);
  if (!peerName && origin.poolPeer !== undefined) return false;

  // Servers that define the same options need none declared (and the scope's model is not needed to tell).
  if (origin.definitions !== base.definitions)
    declareOptionDefinitions(lookups.set, lookups.catalog, content);
  for (const pool of childBlocks(origin.subnet.node, 'pool')) {
    const reference = pool.body.find((node) => isStatement(node, 'failover', 'peer'));
    if (reference && headWord(reference, 2) !== peerName) setStatementTokens(reference, 2, quote(peerName!));
  }
  const node = origin.subnet.node;
  // The destination's own lines in front of the subnet (comments, indentation) stay in front of the copy.
  firstToken(node).before = firstToken(destination.node).before;
  const index = destination.container.body.indexOf(destination.node);
  destination.container.body[index] = node;
  lookups.added({ ...destination, node });
  for (const host of incoming) base.brought.add(host.name);
  base.plain.set(network, incoming);
  return true;
}

/** The read each answer of a read for a copy or a write came from (noteRead), for hostNameRefusal. */
const reads = new WeakMap<ReadonlyMap<string, ScopeContent>, OriginRead>();

export function noteRead(scopes: ReadonlyMap<string, ScopeContent>, read: OriginRead): void {
  reads.set(scopes, read);
}

/**
 * Why writing `source`'s reservations onto the destination read as `scopes` (a read noted by noteRead) is refused:
 * a host name another destination host has, outside the subnet and outside the subnets of `alongside` (the source's
 * scopes the same write replaces, by network), which the write leaves in place (applyScopes refuses that write,
 * assertHostNamesFree; the copy declines it). Told before the write, so that the scope fails on its own. Undefined
 * otherwise.
 */
export function hostNameRefusal(
  scopes: ReadonlyMap<string, ScopeContent>,
  source: ScopeContent,
  parts: readonly ScopePart[],
  alongside?: ReadonlyMap<string, ScopeContent>,
): string | undefined {
  const read = reads.get(scopes);
  if (!read || !parts.includes('reservations')) return undefined;
  const byName = hostsByNameOf(read);
  // A source declaration's own hosts are its reservations: the scope is not mapped for them.
  const incoming = origins.get(source)?.plainHosts ?? source.reservations;
  const others = alongside && subnetsOf(alongside);
  return hostNameClash(source.subnet, incoming, (name) => byName.get(name), others);
}

/** The subnets of a write's scopes, made once per map (hostNameRefusal is asked it for each of its scopes). */
const subnetSets = new WeakMap<ReadonlyMap<string, ScopeContent>, SubnetSet>();

function subnetsOf(scopes: ReadonlyMap<string, ScopeContent>): SubnetSet {
  let subnets = subnetSets.get(scopes);
  if (!subnets) {
    subnets = new SubnetSet([...scopes.values()].map((scope) => scope.subnet));
    subnetSets.set(scopes, subnets);
  }
  return subnets;
}

/**
 * The whitespace in front of a declaration on its own line (what follows the last line break before it), read from
 * the source text where the node was not changed: making its tokens would take it off the copy's text path.
 */
function headerIndent(node: ConfNode): string {
  const before =
    node instanceof SourceBlock && node.pristine ? node.table.before(node.first) : firstToken(node).before;
  return before.slice(before.lastIndexOf('\n') + 1);
}

function holdsInclude(block: BlockNode): boolean {
  return block.body.some(
    (node: ConfNode) => includeTarget(node) !== undefined || (node.kind === 'block' && holdsInclude(node)),
  );
}

/** Whether a name of `incoming` is carried by a host other than those `leaving` (`count`: hosts with a name). */
function nameClash(
  incoming: readonly IscHost[],
  leaving: readonly IscHost[],
  count: (name: string) => number,
): boolean {
  let left: Map<string, number> | undefined;
  for (const host of incoming) {
    const carried = count(host.name);
    if (carried === 0) continue;
    // Counted only when a name is taken (a scope whose hosts keep their names, or a clash).
    if (!left) addNames((left = new Map<string, number>()), leaving, 1);
    if (carried - (left.get(host.name) ?? 0) > 0) return true;
  }
  return false;
}

function addNames(counts: Map<string, number>, hosts: readonly IscHost[], step: 1 | -1): void {
  for (const host of hosts) counts.set(host.name, (counts.get(host.name) ?? 0) + step);
}
