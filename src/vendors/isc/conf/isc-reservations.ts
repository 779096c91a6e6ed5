import type { Reservation } from '../../scope-content.js';
import { childStatements, type Located } from './conf-walk.js';
import { insertNodes, removeNode, setStatementTokens, type NodeSpec } from './conf-edit.js';
import type { ConfSet } from './include-resolver.js';
import { findHosts, hardwareAddressOf, HOST_NAME, HostIndex, hostOf, type IscHost } from './isc-hosts.js';
import { colonsFromHex, optionValueText, type OptionCatalog } from './isc-options.js';
import { cidrRange } from './ipv4.js';
import { applyOptions, modelledOptions, setStatement } from './option-edit.js';
import { parseNodes } from './parser.js';
import type { BlockNode } from './syntax-tree.js';

export const CLIENT_ID_CODE = 61;

/**
 * Makes the hosts with a fixed address in `subnet` match `reservations`. A reservation is matched to an existing
 * host by hardware address, then client id, then name, then address, and that host is edited in place; hosts left
 * over lose the subnet's addresses (and are removed when they have none left); new hosts are written after the last
 * host of the subnet, or after the subnet declaration itself (dhcpd treats every host as global).
 */
export function applyReservations(
  set: ConfSet,
  subnet: Located<BlockNode> & { cidr: string },
  reservations: Reservation[],
  catalog: OptionCatalog,
  hostStatements: Record<string, string[]>,
  hosts: HostRegistry = HostRegistry.of(set),
): void {
  const current = hosts.within(subnet.cidr);
  const taken = hosts.names;
  const free = new Set(current);
  const pending: Reservation[] = [];
  const keys: Array<(host: IscHost, reservation: Reservation) => boolean> = [
    (host, r) =>
      !!r.hardwareAddress && hardwareAddressOf(host.node, host.file.path) === r.hardwareAddress.toLowerCase(),
    (host, r) => !!r.clientId && clientIdOf(host, catalog) === r.clientId.toLowerCase(),
    (host, r) => !!r.name && host.name === r.name,
    (host, r) => host.addresses.includes(r.address),
  ];
  const matches = new Map<Reservation, IscHost>();
  for (const key of keys) {
    for (const reservation of reservations) {
      if (matches.has(reservation)) continue;
      const host = current.find((candidate) => free.has(candidate) && key(candidate, reservation));
      if (host) {
        free.delete(host);
        matches.set(reservation, host);
      }
    }
  }
  for (const reservation of reservations) {
    const host = matches.get(reservation);
    if (host) updateHost(host, subnet.cidr, reservation, catalog, taken);
    else pending.push(reservation);
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
    const name = hostName(reservation, taken);
    taken.add(name);
    const index = anchor.container.body.indexOf(anchor.after) + 1;
    const [node] = insertNodes(anchor.file, anchor.container, index, [
      hostSpec(name, reservation, catalog, hostStatements[reservation.name ?? ''] ?? []),
    ]);
    anchor = { ...anchor, after: node };
  }
  // Last, so that a new host can be placed after one that goes.
  for (const host of free) dropSubnetAddresses(host, subnet.cidr);
}

/**
 * The hosts of a configuration, indexed once for a batch of subnet writes (dhcpd hosts are global, so finding a
 * subnet's hosts otherwise means walking every file). Valid across the batch's edits as long as each subnet is written
 * once: an edit changes only the hosts of the subnet written (and the fixed addresses they have elsewhere, which are
 * read again from the declaration when another subnet finds the host), and names given to new hosts are added.
 */
export class HostRegistry {
  private constructor(
    private readonly index: HostIndex,
    /** Every host name in use, including those given during the batch. */
    readonly names: Set<string>,
  ) {}

  static of(set: ConfSet): HostRegistry {
    const hosts = findHosts(set);
    return new HostRegistry(new HostIndex(hosts), new Set(hosts.map((host) => host.name)));
  }

  /** The hosts with a fixed address in `cidr`, as declared now. */
  within(cidr: string): IscHost[] {
    const range = cidrRange(cidr);
    return this.index
      .within(range)
      .map(({ host }) => hostOf(host))
      .filter((host) => host.addresses.some((address) => inRange(address, range)));
  }
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
    const definition = catalog.coded(option.code);
    if (definition && option.code !== CLIENT_ID_CODE) {
      body.push(`option ${definition.name} ${optionValueText(option, definition.type)}`);
    }
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

/** The reservation's name when dhcpd accepts it and no other host has it; else one made from the address. */
function hostName(reservation: Reservation, taken: Set<string>): string {
  if (reservation.name && HOST_NAME.test(reservation.name) && !taken.has(reservation.name))
    return reservation.name;
  const base = `res-${reservation.address.replace(/\./g, '-')}`;
  let name = base;
  for (let suffix = 2; taken.has(name); suffix += 1) name = `${base}-${suffix}`;
  return name;
}

function updateHost(
  host: IscHost,
  cidr: string,
  reservation: Reservation,
  catalog: OptionCatalog,
  taken: Set<string>,
): void {
  const { file, node } = host;
  const range = cidrRange(cidr);
  const fixed = childStatements(node, 'fixed-address')[0];
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
  const clientId = clientIdOf(host, catalog);
  const idStatement = modelledOptions(node, catalog).find(
    ({ option }) => option.code === CLIENT_ID_CODE,
  )?.statement;
  if (wantedId && clientId !== wantedId) {
    if (idStatement) setStatementTokens(idStatement, 2, colonsFromHex(wantedId));
    else insertNodes(file, node, 0, [`option dhcp-client-identifier ${colonsFromHex(wantedId)}`]);
  }
  if (!wantedId && idStatement) removeNode(node, idStatement);
  applyOptions(file, node, reservation.options, catalog, new Set([CLIENT_ID_CODE]));
  // A rename needs a name dhcpd accepts that no other host has; otherwise the host keeps its name.
  const name = reservation.name;
  if (name && name !== host.name && HOST_NAME.test(name) && !taken.has(name) && node.header.length === 2) {
    taken.add(name);
    node.header[1] = { kind: 'word', text: name, before: node.header[1].before };
  }
}

function dropSubnetAddresses(host: IscHost, cidr: string): void {
  const range = cidrRange(cidr);
  const others = host.addresses.filter((address) => !inRange(address, range));
  if (others.length === 0) {
    removeNode(host.container, host.node);
    return;
  }
  const fixed = childStatements(host.node, 'fixed-address')[0];
  if (fixed) setStatementTokens(fixed, 1, others.join(', '));
}

function clientIdOf(host: IscHost, catalog: OptionCatalog): string | undefined {
  const option = modelledOptions(host.node, catalog).find(
    ({ option: o }) => o.code === CLIENT_ID_CODE,
  )?.option;
  if (!option) return undefined;
  if (option.format === 'hex') return colonsFromHex(String(option.value));
  return [...Buffer.from(String(option.value), 'utf8')]
    .map((byte) => byte.toString(16).padStart(2, '0'))
    .join(':');
}

function inRange(address: string, range: { start: number; end: number }): boolean {
  const value = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return value >= range.start && value <= range.end;
}
