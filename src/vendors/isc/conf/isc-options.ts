import type { ConfSet } from './include-resolver.js';
import { visitNodes } from './conf-walk.js';
import type { DhcpOption, OptionValue } from '../../scope-content.js';
import { quote, unquote, type StatementNode } from './syntax-tree.js';
import {
  headBefore,
  headerWords,
  headKind,
  headLength,
  headStartsWith,
  headText,
  headValue,
  headWord,
  lowerCased,
  nodeText,
} from './node-head.js';

/**
 * How dhcpd writes an option's value: `ip`/`ips` addresses, `int`/`ints` numbers, `flag` on/off, `text` one quoted
 * string, `domains` quoted names separated by commas, `bytes` a quoted string or colon-separated hex, `raw` a value
 * kept exactly as written (records and types the model has no shape for).
 */
export type IscOptionType = 'ip' | 'ips' | 'int' | 'ints' | 'flag' | 'text' | 'domains' | 'bytes' | 'raw';

export interface IscOptionDefinition {
  code: number;
  name: string;
  type: IscOptionType;
  /** The `option NAME code N = TYPE;` statement as written, for a definition the configuration declares. */
  declaration?: string;
}

/** dhcpd's predefined DHCPv4 options (man dhcp-options), by the names dhcpd uses. */
const STANDARD: Array<[number, string, IscOptionType]> = [
  [1, 'subnet-mask', 'ip'],
  [2, 'time-offset', 'int'],
  [3, 'routers', 'ips'],
  [4, 'time-servers', 'ips'],
  [5, 'ien116-name-servers', 'ips'],
  [6, 'domain-name-servers', 'ips'],
  [7, 'log-servers', 'ips'],
  [8, 'cookie-servers', 'ips'],
  [9, 'lpr-servers', 'ips'],
  [10, 'impress-servers', 'ips'],
  [11, 'resource-location-servers', 'ips'],
  [12, 'host-name', 'text'],
  [13, 'boot-size', 'int'],
  [14, 'merit-dump', 'text'],
  [15, 'domain-name', 'text'],
  [16, 'swap-server', 'ip'],
  [17, 'root-path', 'text'],
  [18, 'extensions-path', 'text'],
  [19, 'ip-forwarding', 'flag'],
  [20, 'non-local-source-routing', 'flag'],
  [21, 'policy-filter', 'ips'],
  [22, 'max-dgram-reassembly', 'int'],
  [23, 'default-ip-ttl', 'int'],
  [24, 'path-mtu-aging-timeout', 'int'],
  [25, 'path-mtu-plateau-table', 'ints'],
  [26, 'interface-mtu', 'int'],
  [27, 'all-subnets-local', 'flag'],
  [28, 'broadcast-address', 'ip'],
  [29, 'perform-mask-discovery', 'flag'],
  [30, 'mask-supplier', 'flag'],
  [31, 'router-discovery', 'flag'],
  [32, 'router-solicitation-address', 'ip'],
  [33, 'static-routes', 'ips'],
  [34, 'trailer-encapsulation', 'flag'],
  [35, 'arp-cache-timeout', 'int'],
  [36, 'ieee802-3-encapsulation', 'flag'],
  [37, 'default-tcp-ttl', 'int'],
  [38, 'tcp-keepalive-interval', 'int'],
  [39, 'tcp-keepalive-garbage', 'flag'],
  [40, 'nis-domain', 'text'],
  [41, 'nis-servers', 'ips'],
  [42, 'ntp-servers', 'ips'],
  [43, 'vendor-encapsulated-options', 'bytes'],
  [44, 'netbios-name-servers', 'ips'],
  [45, 'netbios-dd-server', 'ips'],
  [46, 'netbios-node-type', 'int'],
  [47, 'netbios-scope', 'text'],
  [48, 'font-servers', 'ips'],
  [49, 'x-display-manager', 'ips'],
  [51, 'dhcp-lease-time', 'int'],
  [54, 'dhcp-server-identifier', 'ip'],
  [57, 'dhcp-max-message-size', 'int'],
  [58, 'dhcp-renewal-time', 'int'],
  [59, 'dhcp-rebinding-time', 'int'],
  [60, 'vendor-class-identifier', 'bytes'],
  [61, 'dhcp-client-identifier', 'bytes'],
  [62, 'nwip-domain', 'text'],
  [64, 'nisplus-domain', 'text'],
  [65, 'nisplus-servers', 'ips'],
  [66, 'tftp-server-name', 'text'],
  [67, 'bootfile-name', 'text'],
  [68, 'mobile-ip-home-agent', 'ips'],
  [69, 'smtp-server', 'ips'],
  [70, 'pop-server', 'ips'],
  [71, 'nntp-server', 'ips'],
  [72, 'www-server', 'ips'],
  [73, 'finger-server', 'ips'],
  [74, 'irc-server', 'ips'],
  [75, 'streettalk-server', 'ips'],
  [76, 'streettalk-directory-assistance-server', 'ips'],
  [77, 'user-class', 'bytes'],
  [85, 'nds-servers', 'ips'],
  [86, 'nds-tree-name', 'text'],
  [87, 'nds-context', 'text'],
  [89, 'bcms-controller-address', 'ips'],
  [100, 'pcode', 'text'],
  [101, 'tcode', 'text'],
  [112, 'netinfo-server-address', 'ips'],
  [113, 'netinfo-server-tag', 'text'],
  [114, 'default-url', 'text'],
  [116, 'auto-config', 'int'],
  [117, 'name-service-search', 'ints'],
  [118, 'subnet-selection', 'ip'],
  [119, 'domain-search', 'domains'],
];

export const STANDARD_OPTIONS: ReadonlyMap<string, IscOptionDefinition> = new Map(
  STANDARD.map(([code, name, type]) => [name, { code, name, type }]),
);

/** Option definitions for a configuration: dhcpd's own plus `option NAME code N = TYPE;` statements in it. */
export class OptionCatalog {
  private readonly byName = new Map(STANDARD_OPTIONS);
  private readonly byCode = new Map<number, IscOptionDefinition>();
  private readonly declared: string[] = [];

  constructor(set?: ConfSet) {
    for (const definition of STANDARD_OPTIONS.values()) this.byCode.set(definition.code, definition);
    if (!set) return;
    visitNodes(set, (node) => {
      const definition = node.kind === 'statement' ? definitionOf(node) : undefined;
      if (definition) this.define(definition);
    });
  }

  /** Adds a definition (one the configuration declares, or one a write just declared). */
  define(definition: IscOptionDefinition): void {
    if (definition.declaration !== undefined) this.declared.push(definition.declaration);
    this.byName.set(definition.name, definition);
    if (!this.byCode.has(definition.code)) this.byCode.set(definition.code, definition);
  }

  /** The configuration's own definitions (`option NAME code N = TYPE;`), one per line, in the order read. */
  declarations(): string {
    return this.declared.join('\n');
  }

  named(name: string): IscOptionDefinition | undefined {
    return this.byName.get(lowerCased(name));
  }

  coded(code: number): IscOptionDefinition | undefined {
    return this.byCode.get(code);
  }
}

/** `option NAME code N = TYPE;` in the dhcp space -> its definition. */
export function definitionOf(statement: StatementNode): IscOptionDefinition | undefined {
  // Most statements are not definitions: told apart without reading their words.
  if (headLength(statement) < 5 || !headStartsWith(statement, OPTION) || headWord(statement, 2) !== 'code') {
    return undefined;
  }
  const words = headerWords(statement);
  if (words[0] !== 'option' || words[2] !== 'code' || words[4] !== '=' || words[1].includes('.'))
    return undefined;
  const code = Number(words[3]);
  if (!Number.isInteger(code)) return undefined;
  return { code, name: words[1], type: typeOf(words.slice(5)), declaration: nodeText(statement) };
}

function typeOf(words: string[]): IscOptionType {
  const array = words[0] === 'array' && words[1] === 'of';
  const base = (array ? words.slice(2) : words).join(' ');
  if (base === 'ip-address') return array ? 'ips' : 'ip';
  if (/^(signed |unsigned )?integer (8|16|32)$/.test(base)) return array ? 'ints' : 'int';
  if (array) return 'raw';
  if (base === 'boolean') return 'flag';
  if (base === 'text' || base === 'domain-name') return 'text';
  if (base === 'domain-list' || base === 'domain-list compressed') return 'domains';
  if (base === 'string') return 'bytes';
  return 'raw';
}

const HEX_BYTES = /^[0-9a-f]{1,2}(:[0-9a-f]{1,2})+$/i;

/**
 * `option NAME VALUE;` -> the model, or undefined when it is not an option the model can hold (an expression with
 * `=`, an option of another space, a name with no definition): those stay as raw text in the vendor extras.
 */
export function optionFromStatement(
  statement: StatementNode,
  catalog: OptionCatalog,
): DhcpOption | undefined {
  const definition = modelledOptionDefinition(statement, catalog);
  if (!definition) return undefined;
  const length = headLength(statement);
  let words = 0;
  let strings = 0;
  for (let index = 2; index < length; index += 1) {
    const kind = headKind(statement, index);
    if (kind === 'word') words += 1;
    if (kind === 'string') strings += 1;
  }
  const base = { code: definition.code, name: definition.name };
  if (length === 3) {
    const kind = headKind(statement, 2);
    const text = headText(statement, 2)!;
    if (
      (definition.type === 'bytes' || definition.type === 'raw') &&
      kind === 'word' &&
      HEX_BYTES.test(text)
    ) {
      return { ...base, value: hexFromColons(text), format: 'hex' };
    }
    if ((definition.type === 'text' || definition.type === 'bytes') && kind === 'string') {
      return { ...base, value: unquote(text) };
    }
  }
  if (definition.type === 'domains' && words === 0) return { ...base, value: joinValues(statement, 2) };
  if (strings > 0) return { ...base, value: joinRaw(statement, 2) };
  return { ...base, value: joinValues(statement, 2) };
}

const OPTION = ['option'];

/**
 * The definition of an `option NAME VALUE;` statement the model can hold (see optionFromStatement), without reading
 * its value: whether a statement is an option the model holds is decided here alone.
 */
export function modelledOptionDefinition(
  statement: StatementNode,
  catalog: OptionCatalog,
): IscOptionDefinition | undefined {
  // Read through the node's head (node-head.ts): a statement nobody edited makes no token objects here.
  const length = headLength(statement);
  if (length < 3 || headKind(statement, 1) !== 'word' || !headStartsWith(statement, OPTION)) return undefined;
  if (headKind(statement, 0) !== 'word') return undefined;
  for (let index = 2; index < length; index += 1) {
    if (headKind(statement, index) === 'punct' && headText(statement, index) !== ',') return undefined;
  }
  return catalog.named(headText(statement, 1)!);
}

/** The text after `option NAME ` for the model's option, in the form its dhcpd type takes. */
export function optionValueText(option: DhcpOption, type: IscOptionType): string {
  const text = valueString(option.value);
  if (option.format === 'hex') return colonsFromHex(text);
  switch (type) {
    case 'text':
    case 'bytes':
      return quote(text);
    case 'domains':
      return text
        .split(',')
        .map((name) => quote(name.trim()))
        .join(', ');
    case 'flag':
      return text === 'true' || text === 'on' || text === '1' ? 'true' : 'false';
    default:
      return text;
  }
}

/** A model value as the single text form used for comparing and writing (Kea's CSV form). */
export function valueString(value: OptionValue): string {
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** Whether two options carry the same value (hex compared as bytes, lists compared item by item). */
export function sameOptionValue(a: DhcpOption, b: DhcpOption): boolean {
  if (a.format === b.format && valueString(a.value) === valueString(b.value)) return true;
  const normalise = (option: DhcpOption): string => {
    const text = valueString(option.value);
    if (option.format === 'hex') return `hex:${text.replace(/[^0-9a-f]/gi, '').toLowerCase()}`;
    return text
      .split(',')
      .map((item) => item.trim())
      .join(',');
  };
  return normalise(a) === normalise(b);
}

/** `1:a:ff` -> `010AFF` (Kea's hex form, so the two vendors' values compare equal). */
export function hexFromColons(text: string): string {
  return text
    .split(':')
    .map((octet) => octet.padStart(2, '0'))
    .join('')
    .toUpperCase();
}

/** `010AFF` (or `01:0a:ff`) -> `01:0a:ff`, as dhcpd writes bytes. */
export function colonsFromHex(text: string): string {
  const digits = text.replace(/[^0-9a-f]/gi, '').toLowerCase();
  return (digits.match(/../g) ?? []).join(':');
}

/** The head's tokens from `from` on, words and strings separated by commas -> `a, b`; strings unquoted. */
function joinValues(statement: StatementNode, from: number): string {
  let text = '';
  const length = headLength(statement);
  for (let index = from; index < length; index += 1) {
    if (headKind(statement, index) === 'punct') text += ', ';
    else text += (text === '' || text.endsWith(', ') ? '' : ' ') + headValue(statement, index)!;
  }
  return text;
}

/** The head's tokens from `from` on as written (quotes included), so writing it back gives the same statement. */
function joinRaw(statement: StatementNode, from: number): string {
  let text = headText(statement, from)!;
  const length = headLength(statement);
  for (let index = from + 1; index < length; index += 1) {
    text += headBefore(statement, index)! + headText(statement, index)!;
  }
  return text;
}
