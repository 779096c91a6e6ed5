import { reservationKey, type DhcpOption, type Reservation } from '../../scope-content.js';
import { childStatements, isStatement, type Located } from './conf-walk.js';
import { insertNodes, removeNode, setStatementTokens, type NodeSpec } from './conf-edit.js';
import type { ConfSet } from './include-resolver.js';
import { findHosts, hardwareAddressOf, HOST_NAME, HostIndex, hostOf, type IscHost } from './isc-hosts.js';
import { colonsFromHex, optionValueText, type OptionCatalog } from './isc-options.js';
import { cidrRange, ipToNumber, mergeRanges, type NumericRange } from './ipv4.js';
import { headLength, headWord } from './node-head.js';
import { applyOptions, modelledOptions, setStatement, UndefinedOptionError } from './option-edit.js';
import { parseNodes } from './parser.js';
import type { BlockNode } from './syntax-tree.js';

export const CLIENT_ID_CODE = 61;
const CLIENT_ID_ONLY: ReadonlySet<number> = new Set([CLIENT_ID_CODE]);

/**
 * Makes the hosts with a fixed address in `subnet` match `reservations`. A reservation is matched to an existing
 * host by hardware address, then client id, then name, then address, and that host is edited in place; hosts left
 * over lose the subnet's addresses (and are removed when they have none left); new hosts are written after the last
 * host of the subnet, or after the subnet declaration itself (dhcpd treats every host as global). Names are given
 * once the whole batch is written (HostRegistry.settleNames; here, when no registry is passed), so that hosts may
 * trade names within a subnet or between subnets of one batch.
 */
export function applyReservations(
  set: ConfSet,
  subnet: Located<BlockNode> & { cidr: string },
  reservations: Reservation[],
  catalog: OptionCatalog,
  hostStatements: Record<string, string[]>,
  batch?: HostRegistry,
): void {
  const hosts = batch ?? HostRegistry.of(set);
  const unplaced = reservations.find((reservation) => reservation.address === undefined);
  if (unplaced) {
    // dhcpd reads a host as a reservation of a subnet by its fixed-address: one without belongs to no subnet.
    throw new RangeError(
      `subnet ${subnet.cidr}: the reservation ${reservationKey(unplaced)} has no address, and dhcpd places a ` +
        'host in a subnet by its fixed-address; give it an address on the source',
    );
  }
  const current = hosts.within(subnet.cidr);
  const range = cidrRange(subnet.cidr);
  const pending: Reservation[] = [];
  const matches = matchHosts(current, reservations, catalog);
  const free = new Set(current);
  for (const host of matches.values()) free.delete(host);
  for (const reservation of reservations) {
    const host = matches.get(reservation);
    if (host) {
      updateHost(host, range, reservation, catalog);
      hosts.want(host.node, reservation);
    } else pending.push(reservation);
  }
  let anchor: { container: Located['container']; after: Located['node']; file: Located['file'] } =
    current.length
      ? {
          container: current[current.length - 1].container,
          after: current[current.length - 1].node,
          file: current[current.length - 1].file,
        }
      : { container: subnet.container, after: subnet.node, file: subnet.file };
  for (const reservation of pending) {
    const index = anchor.container.body.indexOf(anchor.after) + 1;
    // Named for now; settleNames gives the name it keeps.
    const [node] = insertNodes(anchor.file, anchor.container, index, [
      hostSpec(PLACEHOLDER, reservation, catalog, hostStatements[reservation.name ?? ''] ?? []),
    ]);
    hosts.want(node as BlockNode, reservation, true);
    anchor = { ...anchor, after: node };
  }
  // Last, so that a new host can be placed after one that goes.
  for (const host of free) {
    if (dropSubnetAddresses(host, range)) hosts.gone(host.node);
  }
  if (!batch) hosts.settleNames();
}

/** A new host's name until settleNames, which names every host it is told of (want). */
const PLACEHOLDER = 'new-host';

/**
 * Refuses reservations for `cidr` with a name another host outside the subnet (and outside `alongside`, the subnets
 * the same write replaces the hosts of) has (hostNameClash): the write would otherwise name the host `res-<address>`
 * (or leave an edited host its old name), which no later write puts right. Called before the batch touches any
 * subnet, so that nothing is half-edited.
 */
export function assertHostNamesFree(
  cidr: string,
  reservations: readonly Reservation[],
  hosts: HostRegistry,
  alongside?: SubnetSet,
): void {
  const clash = hostNameClash(cidr, reservations, (name) => hosts.named(name), alongside);
  if (clash) throw new HostNameClashError(clash);
}

/** A reservation whose name another host of the configuration (outside the subnet written) has. */
export class HostNameClashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostNameClashError';
  }
}

/**
 * Why hosts with these names and addresses cannot be written into `cidr` as they are named: a name dhcpd accepts
 * that a host with no fixed address in the subnet has (`holders`: the hosts with a name), which the subnet's write
 * neither edits nor removes. A host with an address in `alongside` (other subnets whose hosts the same write
 * replaces) is not in the way either: that write edits or removes it too, and names are given once it is done
 * (HostRegistry.settleNames). dhcpd takes a host name once. Undefined when there is none. (A name dhcpd does not
 * accept is still written as one made from the address.)
 */
export function hostNameClash(
  cidr: string,
  incoming: Iterable<{ name?: string; address?: string; addresses?: readonly string[] }>,
  holders: (name: string) => readonly IscHost[] | undefined,
  alongside?: SubnetSet,
): string | undefined {
  const range = cidrRange(cidr);
  const replaced = (value: string): boolean => inRange(value, range) || (alongside?.holds(value) ?? false);
  for (const { name, address: given, addresses: declared } of incoming) {
    // The name's holders first: most names have none, and then nothing else is worth checking.
    const held = name ? holders(name) : undefined;
    if (!held || !HOST_NAME.test(name!)) continue;
    const other = held.find((host) => !host.addresses.some(replaced));
    if (!other) continue;
    const line = other.node.header[0]?.line;
    const addresses = other.addresses.length > 0 ? ` (${other.addresses.join(', ')})` : '';
    // A reservation has its address; a host declaration (a copy's) its fixed addresses.
    const address = given ?? declared?.join(', ');
    return (
      `host ${name}${address ? ` (${address})` : ''} cannot be written as the source names it: the destination ` +
      `declares another host ${name}${addresses} ${line ? `at ${other.file.path} line ${line}` : `in ${other.file.path}`}` +
      ', and dhcpd takes a host name once; rename one of them (nothing of the scope was written)'
    );
  }
  return undefined;
}

/**
 * Pairs reservations with existing hosts: by hardware address, then client id, then name, then address; each key
 * in turn over the reservations in order, each taking the first host (in `current` order) not matched yet. Each
 * host's keys are read once and looked up by value, so a subnet's matching is linear in its hosts.
 */
function matchHosts(
  current: readonly IscHost[],
  reservations: readonly Reservation[],
  catalog: OptionCatalog,
): Map<Reservation, IscHost> {
  const one = (value: string | undefined): string[] => (value === undefined ? [] : [value]);
  const keys: Array<{ ofHost: (host: IscHost) => string[]; of: (r: Reservation) => string | undefined }> = [
    {
      ofHost: (host) => one(hardwareAddressOf(host.node, host.file.path)),
      of: (r) => r.hardwareAddress?.toLowerCase(),
    },
    { ofHost: (host) => one(clientIdOf(host, catalog)), of: (r) => r.clientId?.toLowerCase() },
    { ofHost: (host) => (host.name ? [host.name] : []), of: (r) => r.name || undefined },
    { ofHost: (host) => host.addresses, of: (r) => r.address },
  ];
  const matches = new Map<Reservation, IscHost>();
  const used = new Set<IscHost>();
  for (const key of keys) {
    const wanted = reservations.filter((r) => !matches.has(r) && key.of(r) !== undefined);
    // A key no reservation left has is not read from the hosts at all.
    if (wanted.length === 0 || used.size === current.length) continue;
    const byValue = new Map<string, IscHost[]>();
    for (const host of current) {
      for (const value of key.ofHost(host)) {
        const list = byValue.get(value);
        if (list) list.push(host);
        else byValue.set(value, [host]);
      }
    }
    for (const reservation of wanted) {
      const host = byValue.get(key.of(reservation)!)?.find((candidate) => !used.has(candidate));
      if (host) {
        used.add(host);
        matches.set(reservation, host);
      }
    }
  }
  return matches;
}

/** The subnets a write replaces the hosts of, to tell whether an address is in one of them. */
export class SubnetSet {
  private readonly ranges: NumericRange[];

  constructor(cidrs: Iterable<string>) {
    this.ranges = mergeRanges([...cidrs].map((cidr) => cidrRange(cidr)));
  }

  holds(address: string): boolean {
    const value = ipToNumber(address);
    let low = 0;
    let high = this.ranges.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.ranges[middle].end < value) low = middle + 1;
      else high = middle;
    }
    return low < this.ranges.length && this.ranges[low].start <= value;
  }
}

/** A host a batch wrote for a reservation, and the name it should get (settleNames). */
interface WantedName {
  reservation: Reservation;
  /** Its name before the batch; undefined for a host the batch created. */
  was: string | undefined;
}

/**
 * The hosts of a configuration, indexed once for a batch of subnet writes (dhcpd hosts are global, so finding a
 * subnet's hosts otherwise means walking every file). Valid across the batch's edits as long as each subnet is written
 * once: an edit changes only the hosts of the subnet written (and the fixed addresses they have elsewhere, which are
 * read again from the declaration when another subnet finds the host). Names are given last, for the whole batch
 * (settleNames): a name only becomes free once every subnet that lets it go is written.
 */
export class HostRegistry {
  private readonly wanted = new Map<BlockNode, WantedName>();
  private readonly removed = new Set<BlockNode>();

  private constructor(
    private readonly index: HostIndex,
    private readonly byName: Map<string, IscHost[]>,
  ) {}

  static of(set: ConfSet): HostRegistry {
    const hosts = findHosts(set);
    return new HostRegistry(new HostIndex(hosts), hostsByName(hosts));
  }

  /** The hosts found with this name, with their fixed addresses as declared now. */
  named(name: string): IscHost[] | undefined {
    return this.byName.get(name)?.map(hostOf);
  }

  /** The hosts with a fixed address in `cidr`, as declared now. */
  within(cidr: string): IscHost[] {
    const range = cidrRange(cidr);
    return this.index
      .within(range)
      .map(({ host }) => hostOf(host))
      .filter((host) => host.addresses.some((address) => inRange(address, range)));
  }

  /** A host written for `reservation`, edited or `created`: settleNames names it. */
  want(node: BlockNode, reservation: Reservation, created = false): void {
    if (created) {
      this.wanted.set(node, { reservation, was: undefined });
      return;
    }
    // A header of other than two words is not renamed: that host keeps its name, as one the batch leaves alone.
    if (headLength(node) !== 2) return;
    this.wanted.set(node, { reservation, was: headWord(node, 1) });
  }

  /** A host the batch removed: its name is free. */
  gone(node: BlockNode): void {
    this.removed.add(node);
  }

  /**
   * Names every host the batch wrote, once all its subnets are written: the reservation's name when dhcpd accepts it
   * and no host the batch left alone has it (nor one named before it here); else the name it had, if free; else one
   * made from the address. Hosts may so trade names (a↔b in one subnet, or a name moving between subnets of the
   * batch), which renaming one host at a time never allows.
   */
  settleNames(): void {
    const kept = (name: string): boolean =>
      this.byName.get(name)?.some(({ node }) => !this.wanted.has(node) && !this.removed.has(node)) ?? false;
    const given = new Set<string>();
    const free = (name: string | undefined): name is string =>
      name !== undefined && HOST_NAME.test(name) && !given.has(name) && !kept(name);
    const named = new Map<BlockNode, string>();
    for (const [node, { reservation }] of this.wanted) {
      if (!free(reservation.name)) continue;
      given.add(reservation.name);
      named.set(node, reservation.name);
    }
    for (const [node, { reservation, was }] of this.wanted) {
      if (named.has(node)) continue;
      let name = was;
      if (!free(name)) {
        const base = `res-${(reservation.address ?? '').replace(/\./g, '-')}`;
        name = base;
        for (let suffix = 2; !free(name); suffix += 1) name = `${base}-${suffix}`;
      }
      given.add(name);
      named.set(node, name);
    }
    for (const [node, name] of named) {
      // Read without touching the header, so that a host keeping its name stays as parsed.
      if (headWord(node, 1) === name && headLength(node) === 2) continue;
      node.header[1] = { kind: 'word', text: name, before: node.header[1].before };
    }
    this.wanted.clear();
  }
}

/** Hosts by name (a configuration dhcpd accepts has one of each; one being edited may have more). */
export function hostsByName(hosts: readonly IscHost[]): Map<string, IscHost[]> {
  const byName = new Map<string, IscHost[]>();
  for (const host of hosts) {
    const list = byName.get(host.name);
    if (list) list.push(host);
    else byName.set(host.name, [host]);
  }
  return byName;
}

function hostSpec(
  name: string,
  reservation: Reservation,
  catalog: OptionCatalog,
  extras: string[],
): NodeSpec {
  const body: NodeSpec[] = [];
  if (reservation.hardwareAddress)
    body.push(`hardware ethernet ${reservation.hardwareAddress.toLowerCase()}`);
  if (reservation.clientId) body.push(`option dhcp-client-identifier ${colonsFromHex(reservation.clientId)}`);
  body.push(`fixed-address ${reservation.address}`);
  for (const option of reservation.options) {
    if (option.code === CLIENT_ID_CODE) continue;
    // Never dropped: an option this configuration cannot name fails the write (as it does for a host edited).
    const definition = catalog.coded(option.code);
    if (!definition) throw new UndefinedOptionError(option.code);
    body.push(`option ${definition.name} ${optionValueText(option, definition.type)}`);
  }
  for (const text of extras) {
    try {
      parseNodes(text);
      body.push(text);
    } catch {
      // A host statement that does not parse on its own is not carried over.
    }
  }
  return { header: `host ${name}`, body };
}

function updateHost(
  host: IscHost,
  range: NumericRange,
  reservation: Reservation,
  catalog: OptionCatalog,
): void {
  const { file, node } = host;
  const fixed = node.body.find((child) => isStatement(child, 'fixed-address'));
  const inSubnet = host.addresses.filter((address) => inRange(address, range));
  if (fixed && !(inSubnet.length === 1 && inSubnet[0] === reservation.address)) {
    const others = host.addresses.filter((address) => !inRange(address, range));
    setStatementTokens(fixed, 1, [reservation.address, ...others].join(', '));
  }
  const hardware = hardwareAddressOf(node, file.path);
  const wantedHardware = reservation.hardwareAddress?.toLowerCase();
  if (wantedHardware && hardware !== wantedHardware)
    setStatement(file, node, 'hardware ethernet', wantedHardware);
  if (!wantedHardware && hardware) removeNode(node, childStatements(node, 'hardware', 'ethernet')[0]);
  const wantedId = reservation.clientId?.toLowerCase();
  // Read once: the edits below touch only statements these leave alone (the client id is skipped by applyOptions).
  const modelled = modelledOptions(node, catalog);
  const idOption = modelled.find(({ option }) => option.code === CLIENT_ID_CODE);
  const clientId = idOption && clientIdText(idOption.option);
  const idStatement = idOption?.statement;
  if (wantedId && clientId !== wantedId) {
    if (idStatement) setStatementTokens(idStatement, 2, colonsFromHex(wantedId));
    else insertNodes(file, node, 0, [`option dhcp-client-identifier ${colonsFromHex(wantedId)}`]);
  }
  if (!wantedId && idStatement) removeNode(node, idStatement);
  applyOptions(file, node, reservation.options, catalog, CLIENT_ID_ONLY, modelled);
  // Its name is given with the batch's (HostRegistry.settleNames).
}

/** Takes the subnet's addresses from a host; true when that removed the host (it had no others). */
function dropSubnetAddresses(host: IscHost, range: NumericRange): boolean {
  const others = host.addresses.filter((address) => !inRange(address, range));
  if (others.length === 0) {
    removeNode(host.container, host.node);
    return true;
  }
  const fixed = childStatements(host.node, 'fixed-address')[0];
  if (fixed) setStatementTokens(fixed, 1, others.join(', '));
  return false;
}

function clientIdOf(host: IscHost, catalog: OptionCatalog): string | undefined {
  const option = modelledOptions(host.node, catalog).find(
    ({ option: o }) => o.code === CLIENT_ID_CODE,
  )?.option;
  return option && clientIdText(option);
}

/** A client identifier option's value as hex octets separated by `:` (a quoted identifier is its bytes). */
export function clientIdText(option: DhcpOption): string {
  if (option.format === 'hex') return colonsFromHex(String(option.value));
  return [...Buffer.from(String(option.value), 'utf8')]
    .map((byte) => byte.toString(16).padStart(2, '0'))
    .join(':');
}

function inRange(address: string, range: { start: number; end: number }): boolean {
  const value = ipToNumber(address);
  return value >= range.start && value <= range.end;
}
