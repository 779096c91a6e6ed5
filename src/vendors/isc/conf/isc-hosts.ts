import type { ConfSet } from './include-resolver.js';
import { findBlocks, isStatement, type Located } from './conf-walk.js';
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
  // As headerWords reads it (a word without case), without building the header's word list.
  const name = headWord(located.node, 1) ?? '';
  const addresses: string[] = [];
  for (const node of located.node.body) {
    if (isStatement(node, 'fixed-address')) addFixedAddresses(node, addresses);
  }
  const { file, container, node, ancestors } = located;
  return { file, container, node, ancestors, name, addresses };
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

/** Every host declaration, anywhere (dhcpd treats all of them as global, wherever they are written). */
export function findHosts(set: ConfSet): IscHost[] {
  return findBlocks(set, 'host').map(hostOf);
}

/** Hosts by fixed address, for finding the ones inside a subnet without scanning every host per subnet. */
export class HostIndex {
  private readonly entries: Array<{ address: number; text: string; host: IscHost }> = [];

  constructor(hosts: IscHost[]) {
    for (const host of hosts) {
      for (const text of host.addresses) this.entries.push({ address: ipToNumber(text), text, host });
    }
    this.entries.sort((a, b) => a.address - b.address);
  }

  /** Hosts with a fixed address in `range`, each once, in address order, with the first such address. */
  within(range: NumericRange): Array<{ host: IscHost; address: string }> {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.entries[middle].address < range.start) low = middle + 1;
      else high = middle;
    }
    const found = new Map<IscHost, string>();
    for (
      let index = low;
      index < this.entries.length && this.entries[index].address <= range.end;
      index += 1
    ) {
      const { host, text } = this.entries[index];
      if (!found.has(host)) found.set(host, text);
    }
    return [...found].map(([host, address]) => ({ host, address }));
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
