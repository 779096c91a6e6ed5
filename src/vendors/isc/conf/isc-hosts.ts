import type { ConfSet } from './include-resolver.js';
import { isStatement, visitBlocks, type Located } from './conf-walk.js';
import { ipToNumber, isIpv4, type NumericRange } from './ipv4.js';
import { DhcpdConfSyntaxError } from './syntax-error.js';
import { headKind, headLength, headText, headValue, headWord } from './node-head.js';
import type { BlockNode, StatementNode } from './syntax-tree.js';

/** A `host` declaration and the IPv4 fixed addresses it names (DNS names cannot be placed in a subnet). */
export interface IscHost extends Located<BlockNode> {
  name: string;
  addresses: string[];
}

/** dhcpd host names are identifiers (it rejects quoted names with spaces). */
export const HOST_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

export function hostOf(located: Located<BlockNode>): IscHost {
  const { file, container, node, ancestors } = located;
  return { file, container, node, ancestors, ...hostFacts(node) };
}

function hostFacts(node: BlockNode): Pick<IscHost, 'name' | 'addresses'> {
  // As headerWords reads it (a word without case), without building the header's word list.
  const name = headWord(node, 1) ?? '';
  const addresses: string[] = [];
  for (const child of node.body) {
    if (isStatement(child, 'fixed-address')) addFixedAddresses(child, addresses);
  }
  return { name, addresses };
}

/** `fixed-address a, b;` -> its IPv4 addresses. */
export function fixedAddresses(statement: StatementNode): string[] {
  return addFixedAddresses(statement, []);
}

function addFixedAddresses(statement: StatementNode, addresses: string[]): string[] {
  const length = headLength(statement);
  for (let index = 1; index < length; index += 1) {
    if (headKind(statement, index) === 'punct') continue;
    const value = headValue(statement, index)!;
    if (isIpv4(value)) addresses.push(value);
  }
  return addresses;
}

const HOST = ['host'];

/** Every host declaration, anywhere (dhcpd treats all of them as global, wherever they are written). */
export function findHosts(set: ConfSet): IscHost[] {
  const hosts: IscHost[] = [];
  // Each host made once (not located, then copied): a large configuration has tens of thousands.
  visitBlocks(set, HOST, (file, container, node, ancestors) => {
    const { name, addresses } = hostFacts(node);
    hosts.push({ file, container, node, ancestors, name, addresses });
  });
  return hosts;
}

/**
 * Hosts by fixed address, for finding the ones inside a subnet without scanning every host per subnet. Kept as
 * columns (address, text, host), ordered by address: a large configuration has tens of thousands of hosts, usually
 * declared in address order already, and an object per entry (and a sort) would be most of the index's cost.
 */
export class HostIndex {
  private readonly addresses: number[] = [];
  private readonly texts: string[] = [];
  private readonly hosts: IscHost[] = [];
  /** Whether some host has more than one address (then within() must list each host once). */
  private readonly repeats: boolean;

  constructor(hosts: IscHost[]) {
    let repeats = false;
    let sorted = true;
    for (const host of hosts) {
      if (host.addresses.length > 1) repeats = true;
      for (const text of host.addresses) {
        const address = ipToNumber(text);
        if (address < (this.addresses[this.addresses.length - 1] ?? -1)) sorted = false;
        this.addresses.push(address);
        this.texts.push(text);
        this.hosts.push(host);
      }
    }
    this.repeats = repeats;
    if (!sorted) this.sort();
  }

  private sort(): void {
    // A stable sort by address, as of entries in declaration order.
    const order = this.addresses.map((_, index) => index);
    order.sort((a, b) => this.addresses[a] - this.addresses[b] || a - b);
    const [addresses, texts, hosts] = [[...this.addresses], [...this.texts], [...this.hosts]];
    order.forEach((from, to) => {
      this.addresses[to] = addresses[from];
      this.texts[to] = texts[from];
      this.hosts[to] = hosts[from];
    });
  }

  /** Hosts with a fixed address in `range`, each once, in address order, with the first such address. */
  within(range: NumericRange): Array<{ host: IscHost; address: string }> {
    const { addresses } = this;
    let low = 0;
    let high = addresses.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (addresses[middle] < range.start) low = middle + 1;
      else high = middle;
    }
    const found: Array<{ host: IscHost; address: string }> = [];
    const seen = this.repeats ? new Set<IscHost>() : undefined;
    for (let index = low; index < addresses.length && addresses[index] <= range.end; index += 1) {
      const host = this.hosts[index];
      if (seen) {
        if (seen.has(host)) continue;
        seen.add(host);
      }
      found.push({ host, address: this.texts[index] });
    }
    return found;
  }
}

/** `hardware ethernet 0:1:2:3:4:5;` -> `00:01:02:03:04:05`. */
export function hardwareAddressOf(host: BlockNode, file: string): string | undefined {
  const statement = host.body.find((node) => isStatement(node, 'hardware', 'ethernet'));
  if (!statement) return undefined;
  if (headLength(statement) !== 3) {
    const token = statement.tokens[0];
    throw new DhcpdConfSyntaxError(
      file,
      token.line ?? 0,
      token.column ?? 0,
      'hardware ethernet expects one colon-separated address',
    );
  }
  return normaliseMac(headText(statement, 2)!);
}

/** Two lower-case hex digits per octet, separated by `:`: already as normaliseMac writes it. */
const NORMAL_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2})*$/;

export function normaliseMac(text: string): string {
  if (NORMAL_MAC.test(text)) return text;
  return text
    .split(/[:-]/)
    .map((octet) => octet.padStart(2, '0').toLowerCase())
    .join(':');
}
