import { childStatements, findBlocks, isBlock, isStatement, walk, type Located } from './conf-walk.js';
import { insertNodes, removeNode, replaceNode, setStatementTokens, type NodeSpec } from './conf-edit.js';
import { mainFile, type ConfSet } from './include-resolver.js';
import { DhcpdConfSyntaxError } from './syntax-error.js';
import { quote, type BlockNode, type StatementNode } from './syntax-tree.js';
import { headerWords, nodeText } from './node-head.js';
import { isDynamicBootp, servesDynamicBootp } from './isc-pools.js';

/** An ISC `failover peer "name" { ... }` declaration, with the seed's fields. */
export interface IscFailoverPeer {
  name: string;
  role: 'primary' | 'secondary';
  /** IP address or DNS name this server listens on for its peer. */
  address: string;
  port: number;
  peerAddress: string;
  peerPort: number;
  maxResponseDelay: number;
  maxUnackedUpdates: number;
  /** Primary only. */
  mclt?: number;
  /** Primary only. */
  split?: number;
  loadBalanceMaxSeconds?: number;
  /** Statements the fields above do not cover (hba, auto-partner-down, balance settings), as written. */
  extras?: string[];
}

/** dhcpd's default for `port` and `peer port` (the IANA port). */
export const FAILOVER_PORT = 647;
const PORTS = new Set<keyof IscFailoverPeer>(['port', 'peerPort']);

export interface FieldError {
  field: string;
  message: string;
}

/** Keywords of each field's statement, in the order new declarations are written. */
const FIELDS: Array<[keyof IscFailoverPeer, string]> = [
  ['address', 'address'],
  ['port', 'port'],
  ['peerAddress', 'peer address'],
  ['peerPort', 'peer port'],
  ['maxResponseDelay', 'max-response-delay'],
  ['maxUnackedUpdates', 'max-unacked-updates'],
  ['mclt', 'mclt'],
  ['split', 'split'],
  ['loadBalanceMaxSeconds', 'load balance max seconds'],
];

const NUMERIC = new Set<keyof IscFailoverPeer>([
  'port',
  'peerPort',
  'maxResponseDelay',
  'maxUnackedUpdates',
  'mclt',
  'split',
  'loadBalanceMaxSeconds',
]);

/**
 * Whether two failover endpoints are one (a host name in any case): a peer whose partner's endpoint is its own
 * connects to itself and never reaches its partner, which dhcpd -t accepts.
 */
export function sameEndpoint(
  a: { address: string; port: number },
  b: { address: string; port: number },
): boolean {
  return a.address.toLowerCase() === b.address.toLowerCase() && a.port === b.port;
}

/**
 * The seed's rules for a peer: every field it lists, ports and counts in range, and MCLT and split on the primary
 * only (dhcpd itself accepts `mclt` on a secondary, so this check is ours).
 */
export function validateFailoverPeer(peer: Partial<IscFailoverPeer>): FieldError[] {
  const errors: FieldError[] = [];
  const integer = (field: keyof IscFailoverPeer, min: number, max: number, required: boolean): void => {
    const value = peer[field];
    if (value === undefined) {
      if (required) errors.push({ field, message: `${field} is required` });
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      errors.push({ field, message: `${field} must be a whole number from ${min} to ${max}` });
    }
  };
  if (!peer.name || !/^[^"\\\n]+$/.test(peer.name)) {
    errors.push({
      field: 'name',
      message: 'name is required and cannot hold quotes, backslashes or newlines',
    });
  }
  if (peer.role !== 'primary' && peer.role !== 'secondary') {
    errors.push({ field: 'role', message: 'role must be primary or secondary' });
  }
  for (const field of ['address', 'peerAddress'] as const) {
    const value = peer[field];
    if (!value || !/^[A-Za-z0-9.-]+$/.test(value)) {
      errors.push({ field, message: `${field} must be an IPv4 address or a DNS name` });
    }
  }
  integer('port', 1, 65535, true);
  integer('peerPort', 1, 65535, true);
  if (
    errors.length === 0 &&
    sameEndpoint(
      { address: peer.address!, port: peer.port! },
      { address: peer.peerAddress!, port: peer.peerPort! },
    )
  ) {
    errors.push({
      field: 'peerAddress',
      message: `peerAddress and peerPort are this server's own endpoint (${peer.address}:${peer.port}): give the partner's`,
    });
  }
  integer('maxResponseDelay', 1, 2 ** 31 - 1, true);
  integer('maxUnackedUpdates', 1, 2 ** 31 - 1, true);
  // dhcpd reads `mclt 0` as no mclt: a primary with it fails dhcpd -t ("primary failover server must have mclt").
  integer('mclt', 1, 2 ** 31 - 1, peer.role === 'primary');
  integer('split', 0, 256, false);
  integer('loadBalanceMaxSeconds', 0, 2 ** 31 - 1, false);
  if (peer.role === 'secondary') {
    for (const field of ['mclt', 'split'] as const) {
      if (peer[field] !== undefined) errors.push({ field, message: `${field} is set on the primary only` });
    }
  }
  // dhcpd refuses a primary with neither (`must have hba or split`): said here as the field to give.
  const hba = peer.extras?.some((text) => /^\s*hba\b/i.test(text)) ?? false;
  if (peer.role === 'primary' && peer.split === undefined && !hba) {
    errors.push({
      field: 'split',
      message: 'split is required on the primary (0-256; 128 shares the clients equally, as ISC recommends)',
    });
  }
  return errors;
}

/** `failover peer "name" { ... }` (not the `failover peer "name" state { ... }` of a lease file). */
export function isPeerDeclaration(node: BlockNode): boolean {
  return isBlock(node, 'failover', 'peer') && node.header.length === 3;
}

export function findPeerDeclarations(set: ConfSet): Array<Located<BlockNode> & { name: string }> {
  return findBlocks(set, 'failover', 'peer')
    .filter(({ node }) => isPeerDeclaration(node))
    .map((located) => ({ ...located, name: headerWords(located.node)[2] }));
}

/** A peer declaration -> the typed peer; missing ports take dhcpd's default, missing counts are reported as 0. */
export function peerFromBlock(block: BlockNode, file = 'dhcpd.conf'): IscFailoverPeer {
  const peer: Partial<IscFailoverPeer> & { extras: string[] } = { name: headerWords(block)[2], extras: [] };
  for (const node of block.body) {
    const words = headerWords(node);
    if (node.kind === 'statement' && (words.join(' ') === 'primary' || words.join(' ') === 'secondary')) {
      peer.role = words[0] as 'primary' | 'secondary';
      continue;
    }
    const field = node.kind === 'statement' ? fieldOf(words) : undefined;
    if (!field) {
      peer.extras.push(nodeText(node));
      continue;
    }
    const value = words[field[1].split(' ').length];
    if (value === undefined || words.length !== field[1].split(' ').length + 1) {
      const token = (node as StatementNode).tokens[0];
      throw new DhcpdConfSyntaxError(
        file,
        token.line ?? 0,
        token.column ?? 0,
        `"${field[1]}" takes one value`,
      );
    }
    if (NUMERIC.has(field[0]) && !/^[0-9]{1,10}$/.test(value)) {
      // Number() would read "abc" as NaN (shown as null) and "0x10" as 16; dhcpd takes decimal digits only.
      const token = (node as StatementNode).tokens[field[1].split(' ').length];
      throw new DhcpdConfSyntaxError(
        file,
        token.line ?? 0,
        token.column ?? 0,
        `"${field[1]}" takes a whole number, not "${value}"`,
      );
    }
    (peer as Record<string, unknown>)[field[0]] = NUMERIC.has(field[0]) ? Number(value) : value;
  }
  const { extras, ...fields } = peer;
  return {
    role: 'primary',
    address: '',
    peerAddress: '',
    maxResponseDelay: 0,
    maxUnackedUpdates: 0,
    ...fields,
    name: fields.name ?? '',
    port: fields.port ?? FAILOVER_PORT,
    peerPort: fields.peerPort ?? FAILOVER_PORT,
    ...(extras.length > 0 ? { extras } : {}),
  };
}

function fieldOf(words: string[]): [keyof IscFailoverPeer, string] | undefined {
  // Longest keyword first: `peer address` before `address`.
  return [...FIELDS]
    .sort((a, b) => b[1].length - a[1].length)
    .find(([, keyword]) => words.slice(0, keyword.split(' ').length).join(' ') === keyword);
}

/** Every peer declared; a name declared twice is an error at the second (dhcpd refuses it too). */
export function readFailoverPeers(set: ConfSet): IscFailoverPeer[] {
  const seen = new Map<string, string>();
  return findPeerDeclarations(set).map(({ node, file, name }) => {
    const first = node.header[0];
    const where = `${file.path} line ${first.line ?? 0}`;
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new DhcpdConfSyntaxError(
        file.path,
        first.line ?? 0,
        first.column ?? 0,
        `failover peer ${quote(name)} is declared a second time (first at ${earlier}); remove one of them`,
      );
    }
    seen.set(name, where);
    return peerFromBlock(node, file.path);
  });
}

function peerSpec(peer: IscFailoverPeer): NodeSpec {
  const body: NodeSpec[] = [peer.role];
  for (const [field, keyword] of FIELDS) {
    const value = peer[field];
    if (value !== undefined) body.push(`${keyword} ${String(value)}`);
  }
  body.push(...(peer.extras ?? []));
  return { header: `failover peer ${quote(peer.name)}`, body };
}

/**
 * Writes a peer: an existing declaration of that name is edited statement by statement (only changed lines
 * change; a port line it lacks is written only when the port is not dhcpd's default 647); a new one goes before the first subnet, shared-network, group or include of the main file, because
 * dhcpd must read a peer before a pool that names it.
 */
export function writeFailoverPeer(set: ConfSet, peer: IscFailoverPeer): void {
  const existing = findPeerDeclarations(set).find((declaration) => declaration.name === peer.name);
  if (!existing) {
    const file = mainFile(set);
    const first = file.body.findIndex(
      (node) =>
        isBlock(node, 'subnet') ||
        isBlock(node, 'shared-network') ||
        isBlock(node, 'group') ||
        isStatement(node, 'include'),
    );
    insertNodes(file, file, first < 0 ? file.body.length : first, [peerSpec(peer)]);
    return;
  }
  const { file, node } = existing;
  // A statement given twice is in force as written last (dhcpd reads on, as peerFromBlock does): that is the one
  // edited, else a change would land on a line dhcpd overrides and do nothing.
  const role = node.body.findLast(
    (child) => isStatement(child, 'primary') || isStatement(child, 'secondary'),
  );
  if (role?.kind === 'statement' && headerWords(role)[0] !== peer.role)
    setStatementTokens(role, 0, peer.role);
  if (!role) insertNodes(file, node, 0, [peer.role]);
  for (const [field, keyword] of FIELDS) {
    const value = peer[field];
    const words = keyword.split(' ').length;
    const statements = node.body.filter(
      (child): child is StatementNode =>
        child.kind === 'statement' && fieldOf(headerWords(child))?.[0] === field,
    );
    const statement = statements.at(-1);
    if (value === undefined) {
      // Every one of them: an earlier one left would come into force.
      for (const each of statements) removeNode(node, each);
    } else if (!statement && PORTS.has(field) && value === FAILOVER_PORT) {
      // An absent port is dhcpd's default: the same value, so the line stays absent.
    } else if (!statement) {
      const index = lastFieldIndex(node, field);
      insertNodes(file, node, index, [`${keyword} ${String(value)}`]);
    } else if (headerWords(statement)[words] !== String(value)) {
      setStatementTokens(statement, words, String(value));
    }
  }
}

/** Where a missing field's statement goes: after the statements of the fields listed before it. */
function lastFieldIndex(block: BlockNode, field: keyof IscFailoverPeer): number {
  const order = FIELDS.map(([name]) => name);
  let index = 0;
  block.body.forEach((child, position) => {
    const other = child.kind === 'statement' ? fieldOf(headerWords(child))?.[0] : undefined;
    const isRole = isStatement(child, 'primary') || isStatement(child, 'secondary');
    if (isRole || (other && order.indexOf(other) < order.indexOf(field))) index = position + 1;
  });
  return index;
}

export function removeFailoverPeer(set: ConfSet, name: string): boolean {
  const existing = findPeerDeclarations(set).find((declaration) => declaration.name === name);
  if (existing) removeNode(existing.container, existing.node);
  return existing !== undefined;
}

/**
 * Removes the `hba` bitmap of peer `name`: dhcpd takes `split` or `hba`, and the one written last wins, so a split
 * written beside an hba would not be the one in force.
 */
export function removePeerHba(set: ConfSet, name: string): void {
  const declaration = findPeerDeclarations(set).find((peer) => peer.name === name);
  if (!declaration) return;
  for (const node of declaration.node.body.filter((child) => isStatement(child, 'hba'))) {
    removeNode(declaration.node, node);
  }
}

/** A pool's `failover peer "name";` statement and where it is. */
export interface PeerReference {
  file: Located['file'];
  pool: BlockNode;
  statement: StatementNode;
  peer: string;
  /** The subnet (or shared-network) around the pool. */
  scope?: BlockNode;
}

export function listPeerReferences(set: ConfSet): PeerReference[] {
  const references: PeerReference[] = [];
  for (const { node, file, ancestors } of walk(set)) {
    if (!isBlock(node, 'pool')) continue;
    const statement = childStatements(node, 'failover', 'peer')[0];
    if (!statement) continue;
    const scope = [...ancestors]
      .reverse()
      .find((block) => isBlock(block, 'subnet') || isBlock(block, 'shared-network'));
    references.push({
      file,
      pool: node,
      statement,
      peer: headerWords(statement)[2],
      ...(scope ? { scope } : {}),
    });
  }
  return references;
}

/** Points every pool that names `from` at `to` (only those statements change). */
export function repointPeerReferences(set: ConfSet, from: string, to: string): number {
  const references = listPeerReferences(set).filter((reference) => reference.peer === from);
  for (const reference of references) setStatementTokens(reference.statement, 2, quote(to));
  return references.length;
}

/** Removes every pool's reference to `name` (the seed's rule when the last peer is deleted). */
export function removePeerReferences(set: ConfSet, name: string): number {
  const references = listPeerReferences(set).filter((reference) => reference.peer === name);
  for (const reference of references) removeNode(reference.pool, reference.statement);
  return references.length;
}

/**
 * The seed's first-peer rule: every address pool on the server refers to `name`. Pools without a peer get the
 * reference as their first statement; a bare `range` in a subnet becomes a pool of its own, since dhcpd takes a
 * failover peer only inside a pool declaration. Pools naming another peer are left alone, and so are dynamic-bootp
 * ranges and their pools: dhcpd -t refuses them with a peer in scope, so referring them would refuse the whole write.
 */
export function referAllPoolsTo(set: ConfSet, name: string): number {
  let changed = 0;
  for (const { node, file } of walk(set)) {
    if (
      isBlock(node, 'pool') &&
      childStatements(node, 'failover', 'peer').length === 0 &&
      !servesDynamicBootp(node)
    ) {
      insertNodes(file, node, 0, [`failover peer ${quote(name)}`]);
      changed += 1;
    }
    if (isBlock(node, 'subnet')) {
      for (const range of childStatements(node, 'range').filter((statement) => !isDynamicBootp(statement))) {
        replaceNode(file, node, range, {
          header: 'pool',
          body: [`failover peer ${quote(name)}`, nodeText(range)],
        });
        changed += 1;
      }
    }
  }
  return changed;
}
