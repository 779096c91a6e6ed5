import {
  scopeNetwork,
  type DhcpOption,
  type Reservation,
  type ScopeContent,
  type ScopePart,
} from '../../scope-content.js';
import { childStatements, findBlocks, isBlock, isStatement, type Located } from './conf-walk.js';
import { insertNodes, removeNode } from './conf-edit.js';
import { mainFile, type ConfSet } from './include-resolver.js';
import { hardwareAddressOf, HostIndex, findHosts, type IscHost } from './isc-hosts.js';
import { modelledOptionDefinition, OptionCatalog } from './isc-options.js';
import {
  declareOptionDefinitions,
  OPTION_DEFINITIONS,
  optionDefinitionsOf,
} from './isc-option-definitions.js';
import {
  applyReservations,
  assertHostNamesFree,
  SubnetSet,
  CLIENT_ID_CODE,
  clientIdText,
  HostRegistry,
} from './isc-reservations.js';
import {
  exclusionsOf,
  recutRanges,
  sharedSlots,
  slotPools,
  subnetSlots,
  type SharedNetwork,
} from './isc-pools.js';
import { lazyScope } from './lazy-scope.js';
import { parsedStatements, sharedNetworkNamed, sharedNetworkStatements } from './isc-shared-networks.js';
import {
  cidrRange,
  ipToNumber,
  isIpv4,
  mergeRanges,
  netmaskOf,
  prefixLength,
  subtractRanges,
  toDotted,
  toNumeric,
  usableRange,
  type NumericRange,
} from './ipv4.js';
import { applyOptions, modelledOptions, setStatement } from './option-edit.js';
import { isDenyAll, isSubnetDisabled, setSubnetEnabled } from './isc-scope-state.js';
import { DhcpdConfSyntaxError } from './syntax-error.js';
import { type BlockNode, type ConfNode, type StatementNode } from './syntax-tree.js';
import { headerWords, headText, nodeText } from './node-head.js';

/** A subnet declaration and where it is (top level, in a shared-network or group, in an included file). */
export interface IscSubnet extends Located<BlockNode> {
  /** `10.1.2.0/24` */
  cidr: string;
  network: string;
  sharedNetwork?: string;
  /** The shared-network declaration around it (its pools may hold the subnet's addresses: sharedSlots). */
  shared?: SharedNetwork;
}

/** `subnet 10.1.2.0 netmask 255.255.255.0` -> its CIDR; a malformed header is an error at its position. */
export function subnetCidr(located: Located<BlockNode>): string {
  const words = headerWords(located.node);
  const prefix = words[2] === 'netmask' && isIpv4(words[1] ?? '') ? prefixLength(words[3] ?? '') : undefined;
  if (words.length !== 4 || prefix === undefined) {
    const token = located.node.header[0];
    throw new DhcpdConfSyntaxError(
      located.file.path,
      token.line ?? 0,
      token.column ?? 0,
      'a subnet declaration is "subnet <network> netmask <contiguous netmask> { ... }"',
    );
  }
  return `${words[1]}/${prefix}`;
}

/** Every IPv4 subnet declaration, wherever it is declared. */
export function findSubnets(set: ConfSet): IscSubnet[] {
  // The files of the shared-network declarations, looked up only when a subnet is in one.
  let sharedFiles: Map<BlockNode, Located<BlockNode>['file']> | undefined;
  const fileOf = (shared: BlockNode): Located<BlockNode>['file'] | undefined =>
    (sharedFiles ??= new Map(
      findBlocks(set, 'shared-network').map((located) => [located.node, located.file] as const),
    )).get(shared);
  return findBlocks(set, 'subnet').map((located) => {
    const cidr = subnetCidr(located);
    const shared = located.ancestors.find((block) => isBlock(block, 'shared-network'));
    const sharedFile = shared ? fileOf(shared) : undefined;
    return {
      ...located,
      cidr,
      network: scopeNetwork(cidr),
      ...(shared ? { sharedNetwork: headerWords(shared)[1] } : {}),
      ...(shared && sharedFile ? { shared: { file: sharedFile, node: shared } } : {}),
    };
  });
}

export function findSubnet(set: ConfSet, network: string): IscSubnet | undefined {
  return findSubnets(set).find((subnet) => subnet.network === network);
}

/**
 * A subnet's statements the model holds (`isOption`: whether a statement is one of the block's modelled options);
 * the rest go to `vendorExtras.statements`.
 */
function isModelled(node: ConfNode, isOption: (node: StatementNode) => boolean): boolean {
  if (node.kind === 'block') return isBlock(node, 'pool') || isBlock(node, 'host');
  if (node.kind !== 'statement') return false;
  return isStatement(node, 'range') || isStatement(node, 'default-lease-time') || isOption(node);
}

/** A pool's statements the model holds; the rest go to `vendorExtras.poolStatements`. */
function isModelledInPool(node: ConfNode, subnetDisabled: boolean): boolean {
  return (
    isStatement(node, 'range') || isStatement(node, 'failover', 'peer') || (subnetDisabled && isDenyAll(node))
  );
}

/** A host's statements the model holds besides its options; the rest go to `vendorExtras.hostStatements`. */
function isHostAddressing(node: ConfNode): boolean {
  return isStatement(node, 'fixed-address') || isStatement(node, 'hardware', 'ethernet');
}

/**
 * Whether the subnet's model would keep no text in `vendorExtras` (`statements`, `poolStatements`,
 * `hostStatements`: see isc-scope-copy.ts, isPlain), decided from the declarations without mapping them: by the
 * same rules as subnetToScope, through the same predicates.
 */
export function isPlainDeclaration(subnet: IscSubnet, catalog: OptionCatalog, within: HostsWithin): boolean {
  const block = subnet.node;
  const isOption = (node: StatementNode): boolean => modelledOptionDefinition(node, catalog) !== undefined;
  const disabled = isSubnetDisabled(block);
  // Pools of its shared-network are not in its text: a copy of the text would leave them behind.
  if (sharedSlots(subnet).length > 0) return false;
  for (const node of block.body) {
    if (!isModelled(node, isOption)) return false;
    if (isBlock(node, 'pool') && !node.body.every((child) => isModelledInPool(child, disabled))) return false;
  }
  for (const { host } of within) {
    for (const node of host.node.body) {
      if (!isHostAddressing(node) && !(node.kind === 'statement' && isOption(node))) return false;
    }
  }
  return true;
}

/**
 * Reads every subnet (or those of `networks`) into the model, with one pass over the hosts. With `found.lazy`, each
 * scope's subnet and pools are mapped now and the rest when first read (lazy-scope.ts), through `found.lazy`.
 */
export function readScopes(
  set: ConfSet,
  networks?: readonly string[],
  found?: ReadFindings,
): Map<string, ScopeContent> {
  const catalog = new OptionCatalog(set);
  const all = findHosts(set);
  const hosts = new HostIndex(all);
  const scopes = new Map<string, ScopeContent>();
  const lazy = found?.lazy;
  for (const subnet of findSubnets(set)) {
    if (networks && !networks.includes(subnet.network)) continue;
    const within = hosts.within(cidrRange(subnet.cidr));
    const content = lazy
      ? lazyScope({ subnet: subnet.cidr, pools: slotPools(subnetSlots(subnet)) }, () =>
          lazy(() => subnetToScope(subnet, catalog, within)),
        )
      : subnetToScope(subnet, catalog, within);
    scopes.set(subnet.network, content);
    found?.scope?.(content, { subnet, catalog, within });
  }
  if (found) found.hosts = all;
  return scopes;
}

/** What a read found besides the scopes, for callers that ask (a copy between ISC servers: isc-scope-copy.ts). */
export interface ReadFindings {
  /** Called with each scope read and where it was read from. */
  scope?: (content: ScopeContent, declaration: ScopeDeclaration) => void;
  /** Set to every host declaration of the configuration. */
  hosts?: IscHost[];
  /**
   * Map scopes' parts other than subnet and pools when first read; each such mapping runs through this (the caller's
   * error handling, since it runs later than the read).
   */
  lazy?: <T>(map: () => T) => T;
}

/** A scope's declaration and what its mapping depends on besides it. */
export interface ScopeDeclaration {
  subnet: IscSubnet;
  catalog: OptionCatalog;
  /** The hosts with an address in the subnet (HostIndex.within). */
  within: HostsWithin;
}

export type HostsWithin = ReturnType<HostIndex['within']>;

/** One subnet declaration -> the vendor-neutral model; `within`: the hosts with an address in it. */
export function subnetToScope(subnet: IscSubnet, catalog: OptionCatalog, within: HostsWithin): ScopeContent {
  const block = subnet.node;
  const slots = subnetSlots(subnet);
  const leaseTime = childStatements(block, 'default-lease-time')[0];
  const extras: Record<string, unknown> = {};
  if (subnet.sharedNetwork) extras['sharedNetwork'] = subnet.sharedNetwork;
  const sharedStatements = sharedNetworkStatements(subnet);
  if (sharedStatements.length > 0) extras['sharedNetworkStatements'] = sharedStatements;
  const options = modelledOptions(block, catalog);
  const optionNodes = new Set<ConfNode>(options.map(({ statement }) => statement));
  const statements = block.body
    .filter((node) => !isModelled(node, (statement) => optionNodes.has(statement)))
    .map(nodeText);
  if (statements.length > 0) extras['statements'] = statements;
  // A subnet whose every pool denies all clients is a disabled scope: `enabled` says so, not the pool statements.
  const disabled = isSubnetDisabled(block);
  const poolStatements = block.body
    .filter((node): node is BlockNode => isBlock(node, 'pool'))
    .map((pool) => pool.body.filter((node) => !isModelledInPool(node, disabled)))
    .filter((nodes) => nodes.length > 0)
    .map((nodes) => nodes.map(nodeText));
  if (poolStatements.length > 0) extras['poolStatements'] = poolStatements;
  const reservations: Reservation[] = [];
  const hostStatements: Record<string, string[]> = {};
  for (const { host, address } of within) {
    const hostOptions = modelledOptions(host.node, catalog);
    reservations.push(reservationOf(host, address, hostOptions));
    // One pass over the host's statements (this runs for every host): what the model does not hold is kept as text.
    let other: string[] | undefined;
    let option = 0;
    for (const node of host.node.body) {
      if (option < hostOptions.length && hostOptions[option].statement === node) {
        option += 1;
        continue;
      }
      if (isHostAddressing(node)) continue;
      (other ??= []).push(nodeText(node));
    }
    if (other) hostStatements[host.name] = other;
  }
  if (Object.keys(hostStatements).length > 0) extras['hostStatements'] = hostStatements;
  const definitions = optionDefinitionsOf(catalog, scopeOptions(options, reservations));
  if (definitions.length > 0) extras[OPTION_DEFINITIONS] = definitions;
  return {
    subnet: subnet.cidr,
    enabled: !disabled,
    ...(leaseTime && isFinite(Number(headText(leaseTime, 1)))
      ? { leaseTime: Number(headText(leaseTime, 1)) }
      : {}),
    pools: slotPools(slots),
    exclusions: exclusionsOf(subnet.cidr, slots),
    reservations,
    options: options.map(({ option }) => option),
    ...(Object.keys(extras).length > 0 ? { vendorExtras: extras } : {}),
  };
}

/** The options of a subnet and of its reservations, one after the other. */
function* scopeOptions(
  options: ReturnType<typeof modelledOptions>,
  reservations: readonly Reservation[],
): Generator<DhcpOption> {
  for (const { option } of options) yield option;
  for (const reservation of reservations) yield* reservation.options;
}

function reservationOf(
  host: IscHost,
  address: string,
  modelled: ReturnType<typeof modelledOptions>,
): Reservation {
  const hardwareAddress = hardwareAddressOf(host.node, host.file.path);
  let clientId: DhcpOption | undefined;
  const options: DhcpOption[] = [];
  for (const { option } of modelled) {
    if (option.code !== CLIENT_ID_CODE) options.push(option);
    else clientId ??= option;
  }
  // Built property by property (no spreads: this runs for every host), in the model's order.
  const reservation: Reservation = { address } as Reservation;
  if (hardwareAddress) reservation.hardwareAddress = hardwareAddress;
  if (clientId) reservation.clientId = clientIdText(clientId);
  if (host.name) reservation.name = host.name;
  reservation.options = options;
  return reservation;
}

export interface ApplyOptions {
  /** The destination's own failover peer for pools that need one; by default the one its pools already name. */
  failoverPeer?: string;
}

/**
 * Writes the chosen parts of `content` onto the subnet of the same network (created when absent), changing only the
 * statements whose values differ. `options` also covers the lease time, as in the Kea mapping.
 *
 * Pools and exclusions: dhcpd has only ranges, and the model's exclusions of an ISC subnet are its usable addresses
 * outside every range. The rule: an address is in a range when the written pools hold it and the written
 * exclusions do not (ranges = pools minus exclusions). A part not replaced comes from the destination as it is, so
 * replacing only exclusions re-cuts the destination's own ranges, and replacing only pools cannot put an address the
 * destination keeps out of its ranges into one (a destination with no range at all keeps nothing out).
 */
export function applyScope(
  set: ConfSet,
  content: ScopeContent,
  parts: readonly ScopePart[],
  options: ApplyOptions = {},
): IscSubnet {
  const lookups = new ScopeWriteLookups(set);
  if (parts.includes('reservations'))
    assertHostNamesFree(content.subnet, content.reservations, lookups.hosts);
  const subnet = writeScope(set, content, parts, options, lookups);
  lookups.settleNames();
  return subnet;
}

/** applyScope's write, its host names checked and given by the caller (applyScope, applyScopes). */
function writeScope(
  set: ConfSet,
  content: ScopeContent,
  parts: readonly ScopePart[],
  options: ApplyOptions,
  lookups: ScopeWriteLookups,
): IscSubnet {
  const network = scopeNetwork(content.subnet);
  const subnet = lookups.subnet(network) ?? createSubnet(lookups, content);
  const catalog = lookups.catalog;
  const { file, node: block } = subnet;
  const wasDisabled = isSubnetDisabled(block);
  if (parts.includes('options') || parts.includes('reservations')) {
    declareOptionDefinitions(set, catalog, content);
  }
  if (parts.includes('options')) {
    applyOptions(file, block, content.options, catalog);
    if (content.leaseTime !== undefined) {
      const after = Math.max(
        ...block.body.map((node, index) => (isStatement(node, 'option') ? index + 1 : 0)),
        0,
      );
      setStatement(file, block, 'default-lease-time', String(content.leaseTime), after);
    } else {
      // The source's subnet has no lease time of its own (it inherits one): neither has the copy, else every later
      // replication would find the destination's own and report it again.
      for (const statement of childStatements(block, 'default-lease-time')) removeNode(block, statement);
    }
  }
  if (parts.includes('pools') || parts.includes('exclusions')) {
    const slots = subnetSlots(subnet);
    const peerName =
      options.failoverPeer ?? slots.find((slot) => slot.peer)?.peer ?? defaultPeer(lookups.peers, content);
    const pools = parts.includes('pools')
      ? content.pools.map((pool) => ({ range: toNumeric(pool), peered: pool.failoverPeer !== undefined }))
      : slots.map((slot) => ({ range: slot.range, peered: slot.peer !== undefined }));
    const exclusions = parts.includes('exclusions')
      ? content.exclusions.map(toNumeric)
      : slots.length === 0
        ? []
        : subtractRanges(usableRange(subnet.cidr), mergeRanges(slots.map((slot) => slot.range)));
    recutRanges(
      file,
      block,
      { cidr: subnet.cidr, pools, exclusions, ...(peerName ? { peerName } : {}) },
      slots.filter((slot) => slot.shared),
    );
  }
  if (parts.includes('reservations')) {
    applyReservations(set, subnet, content.reservations, catalog, hostStatementsOf(content), lookups.hosts);
  }
  // The scope's state travels with the options part (as the other settings do); otherwise it stays as it was, also
  // for pools a re-cut just created.
  const enabled = parts.includes('options') ? content.enabled : !wasDisabled;
  if (!enabled || wasDisabled) setSubnetEnabled(file, block, enabled);
  return subnet;
}

/**
 * What a write of only one of pools and exclusions (applyScope's rule) makes of the destination's subnet
 * `destination` (as read): its pools and exclusions as they will read, and the source's addresses that do not get
 * there, with why. Undefined where the write copies the part as the source has it (both parts, neither, or nothing
 * kept back), so that replication can diff against what will be written instead of reporting a change for ever.
 */
export function partialRangesCopy(
  destination: ScopeContent,
  source: ScopeContent,
  parts: readonly ScopePart[],
): { content: ScopeContent; notCopied: string } | undefined {
  const pools = parts.includes('pools');
  if (pools === parts.includes('exclusions')) return undefined;
  const usable = usableRange(destination.subnet);
  const outside = (ranges: NumericRange[]): NumericRange[] => subtractRanges(usable, mergeRanges(ranges));
  const minus = (ranges: NumericRange[], holes: NumericRange[]): NumericRange[] =>
    mergeRanges(ranges).flatMap((range) => subtractRanges(range, mergeRanges(holes)));
  const list = (ranges: NumericRange[]): string =>
    ranges
      .map(toDotted)
      .map(({ start, end }) => (start === end ? start : `${start}-${end}`))
      .join(', ');
  // As applyScope cuts them: the source's pools minus what the destination keeps out (nothing when it has no
  // range), or the destination's own pools minus the source's exclusions.
  const kept = pools
    ? destination.pools.length === 0
      ? []
      : outside(destination.pools.map(toNumeric))
    : source.exclusions.map(toNumeric);
  const written = (pools ? source.pools : destination.pools).flatMap(({ failoverPeer, ...range }) =>
    subtractRanges(toNumeric(range), kept).map((piece) => ({
      ...toDotted(piece),
      ...(failoverPeer !== undefined ? { failoverPeer } : {}),
    })),
  );
  const exclusions = outside(written.map(toNumeric));
  const lost = pools
    ? minus(source.pools.map(toNumeric), written.map(toNumeric))
    : minus(exclusions, source.exclusions.map(toNumeric));
  if (lost.length === 0) return undefined;
  return {
    content: { ...source, pools: written, exclusions: exclusions.map(toDotted) },
    notCopied: pools
      ? `dhcpd holds pools and exclusions as one set of ranges: pools without exclusions only keep addresses the ` +
        `destination already has in a range, so ${list(lost)} of the source's pools are not copied (replicate ` +
        'exclusions too to copy them)'
      : `dhcpd holds pools and exclusions as one set of ranges: exclusions without pools only take addresses out of ` +
        `the destination's ranges, so ${list(lost)}, which the source does not exclude, stay outside them ` +
        '(replicate pools too to copy them)',
  };
}

/**
 * Writes several scopes onto one configuration, finding subnets, option definitions, hosts and peers once for the
 * whole batch (each lookup otherwise walks every file, which makes a large batch quadratic). A network written twice
 * takes the last write. A host name may move between the batch's subnets: a host of another subnet the batch
 * replaces the hosts of is not in the way of a name (assertHostNamesFree), and names are given once every subnet is
 * written (HostRegistry.settleNames).
 */
export function applyScopes(
  set: ConfSet,
  writes: ReadonlyArray<ScopeWriteInput>,
  options: ApplyOptions = {},
  copy?: (write: ScopeWriteInput, lookups: ScopeWriteLookups, alongside: SubnetSet) => boolean,
): void {
  const last = new Map(writes.map((write) => [scopeNetwork(write.content.subnet), write]));
  const lookups = new ScopeWriteLookups(set);
  const alongside = new SubnetSet(
    [...last.values()]
      .filter((write) => write.parts.includes('reservations'))
      .map((write) => write.content.subnet),
  );
  // Copies first: the edits after them then find the hosts the copies brought.
  const edits = copy
    ? [...last.values()].filter((write) => !copy(write, lookups, alongside))
    : [...last.values()];
  // Every name checked before any edit, against the hosts as the copies left them.
  for (const { content, parts } of edits) {
    if (parts.includes('reservations'))
      assertHostNamesFree(content.subnet, content.reservations, lookups.hosts, alongside);
  }
  for (const write of edits) writeScope(set, write.content, write.parts, options, lookups);
  lookups.settleNames();
}

export interface ScopeWriteInput {
  content: ScopeContent;
  parts: readonly ScopePart[];
}

/**
 * What writing subnets looks up in a configuration, each found on first use and kept for a batch of writes. Valid
 * across the batch's own edits: subnets it creates are added, host names it gives are recorded, and a subnet's hosts
 * are read again from their declarations when found (see HostRegistry), and shared-networks it creates for them are
 * added; nothing the batch writes defines options or peers.
 */
export class ScopeWriteLookups {
  private subnets?: Map<string, IscSubnet>;
  private catalogFound?: OptionCatalog;
  private hostsFound?: HostRegistry;
  private peersFound?: string[];
  private sharedFound?: Array<Located<BlockNode>>;

  constructor(readonly set: ConfSet) {}

  subnet(network: string): IscSubnet | undefined {
    if (!this.subnets) {
      this.subnets = new Map();
      for (const subnet of findSubnets(this.set)) {
        if (!this.subnets.has(subnet.network)) this.subnets.set(subnet.network, subnet);
      }
    }
    return this.subnets.get(network);
  }

  added(subnet: IscSubnet): void {
    this.subnet(subnet.network);
    this.subnets!.set(subnet.network, subnet);
  }

  get catalog(): OptionCatalog {
    return (this.catalogFound ??= new OptionCatalog(this.set));
  }

  get hosts(): HostRegistry {
    return (this.hostsFound ??= HostRegistry.of(this.set));
  }

  /** Names the hosts the batch wrote (HostRegistry.settleNames); nothing when it wrote none. */
  settleNames(): void {
    this.hostsFound?.settleNames();
  }

  /** Names of the declared failover peers. */
  get peers(): string[] {
    return (this.peersFound ??= findBlocks(this.set, 'failover', 'peer')
      .map(({ node }) => headerWords(node))
      .filter((words) => words.length === 3)
      .map((words) => words[2]));
  }

  /** The shared-network called `name`, made with `statements` when there is none (sharedNetworkNamed). */
  sharedNetwork(name: string, statements: readonly string[]): Located<BlockNode> {
    const found = (this.sharedFound ??= findBlocks(this.set, 'shared-network'));
    return sharedNetworkNamed(this.set, found, name, statements, (shared) => found.push(shared));
  }
}

/** The only peer the destination declares, or the one named like the source's when the destination has it. */
export function defaultPeer(declared: readonly string[], content: ScopeContent): string | undefined {
  const wanted = content.pools.find((pool) => pool.failoverPeer)?.failoverPeer;
  if (wanted === undefined) return undefined;
  if (declared.includes(wanted)) return wanted;
  return declared.length === 1 ? declared[0] : undefined;
}

function hostStatementsOf(content: ScopeContent): Record<string, string[]> {
  const value = content.vendorExtras?.['hostStatements'];
  return value && typeof value === 'object' ? (value as Record<string, string[]>) : {};
}

/**
 * A new, empty subnet declaration: inside the shared-network the source named (made at the end of the main file with
 * the source's statements of it when the destination has none: isc-shared-networks.ts), else at the end of the main
 * file. Statements an ISC source reported in `vendorExtras.statements` come along when they parse, as Kea's mapping
 * carries its extras to a new subnet.
 */
function createSubnet(lookups: ScopeWriteLookups, content: ScopeContent): IscSubnet {
  const { network, prefix } = cidrRange(content.subnet);
  if (!isIpv4(network) || !(prefix >= 0 && prefix <= 32) || ipToNumber(network) % 2 ** (32 - prefix) !== 0) {
    throw new RangeError(`${content.subnet} is not an IPv4 network in CIDR notation`);
  }
  const name = content.vendorExtras?.['sharedNetwork'];
  const container =
    typeof name === 'string' && name !== ''
      ? lookups.sharedNetwork(name, parsedStatements(content.vendorExtras?.['sharedNetworkStatements']))
      : undefined;
  const file = container?.file ?? mainFile(lookups.set);
  const target = container?.node ?? file;
  const [node] = insertNodes(file, target, target.body.length, [
    {
      header: `subnet ${network} netmask ${netmaskOf(prefix)}`,
      body: parsedStatements(content.vendorExtras?.['statements']),
    },
  ]);
  if (node?.kind !== 'block') throw new Error(`subnet ${network} was not created`);
  const created: IscSubnet = {
    file,
    container: target,
    node,
    ancestors: container ? [...container.ancestors, container.node] : [],
    cidr: `${network}/${prefix}`,
    network,
    ...(container
      ? {
          sharedNetwork: headerWords(container.node)[1],
          shared: { file: container.file, node: container.node },
        }
      : {}),
  };
  lookups.added(created);
  return created;
}
