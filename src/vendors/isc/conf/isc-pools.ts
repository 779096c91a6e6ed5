import type { AddressPool, AddressRange } from '../../scope-content.js';
import { childBlocks, childStatements, isBlock, isStatement } from './conf-walk.js';
import { insertNodes, removeNode, setStatementTokens } from './conf-edit.js';
import {
  cidrRange,
  isIpv4,
  ipToNumber,
  mergeRanges,
  numberToIp,
  subtractRanges,
  usableRange,
  type NumericRange,
} from './ipv4.js';
import { DhcpdConfSyntaxError } from './syntax-error.js';
import { headLength, headText, headValue, headWord } from './node-head.js';
import { quote, type BlockNode, type ConfFile, type StatementNode } from './syntax-tree.js';

/** The failover peer a subnet's pools name (the first pool that names one). */
export function subnetPeer(subnet: BlockNode): string | undefined {
  for (const node of subnet.body) {
    const peer = isBlock(node, 'pool') ? poolPeer(node) : undefined;
    if (peer) return peer;
  }
  return undefined;
}

/** One `range` statement of a subnet, bare or inside a `pool`, with the failover peer its pool names. */
export interface RangeSlot {
  statement: StatementNode;
  pool?: BlockNode;
  range: NumericRange;
  peer?: string;
  /** Set when the pool is declared in the subnet's shared-network (beside its subnets), not in the subnet. */
  shared?: SharedNetwork;
}

/** A subnet's `shared-network` declaration and the file it is in. */
export interface SharedNetwork {
  file: ConfFile;
  node: BlockNode;
}

/** A subnet declaration with what its address pools depend on: its CIDR and its shared-network, when it has one. */
export interface PooledSubnet {
  file: ConfFile;
  node: BlockNode;
  cidr: string;
  shared?: SharedNetwork;
}

/**
 * The pools of a subnet's shared-network that hold its addresses: dhcpd lets a pool be declared in the
 * shared-network, beside its subnets, and each of its ranges then belongs to the subnet that holds it. Their range
 * statements inside the subnet, in order.
 */
export function sharedSlots(subnet: PooledSubnet): RangeSlot[] {
  const shared = subnet.shared;
  if (!shared) return [];
  const { start, end } = cidrRange(subnet.cidr);
  const slots: RangeSlot[] = [];
  for (const pool of childBlocks(shared.node, 'pool')) {
    const peer = poolPeer(pool);
    for (const statement of childStatements(pool, 'range')) {
      const range = parseRange(shared.file, statement);
      if (range.start < start || range.end > end) continue;
      slots.push({ statement, pool, range, shared, ...(peer ? { peer } : {}) });
    }
  }
  return slots;
}

/** Every range of a subnet: its own (rangeSlots), then those of its shared-network's pools (sharedSlots). */
export function subnetSlots(subnet: PooledSubnet): RangeSlot[] {
  const own = rangeSlots(subnet.file, subnet.node);
  return subnet.shared ? [...own, ...sharedSlots(subnet)] : own;
}

/** The ranges of a pool (for a pool of a shared-network: to tell which subnets it serves). */
export function poolRanges(file: ConfFile, pool: BlockNode): NumericRange[] {
  return childStatements(pool, 'range').map((statement) => parseRange(file, statement));
}

/**
 * A write that would have to change a pool of a subnet's shared-network (its range re-cut or removed): not made,
 * since the pool is not the subnet's own declaration (it may hold other subnets' ranges too, and the subnet's text
 * does not carry it). Said as unsupported, with what to do instead.
 */
export class SharedPoolWriteError extends Error {}

/** `failover peer "name";` inside a pool -> the name. */
export function poolPeer(pool: BlockNode): string | undefined {
  const reference = pool.body.find((node) => isStatement(node, 'failover', 'peer'));
  return reference ? headWord(reference, 2) : undefined;
}

/** The range statements of a subnet, in order. */
export function rangeSlots(file: ConfFile, subnet: BlockNode): RangeSlot[] {
  const slots: RangeSlot[] = [];
  for (const node of subnet.body) {
    if (isStatement(node, 'range')) slots.push({ statement: node, range: parseRange(file, node) });
    if (isBlock(node, 'pool')) {
      const peer = poolPeer(node);
      for (const statement of childStatements(node, 'range')) {
        slots.push({ statement, pool: node, range: parseRange(file, statement), ...(peer ? { peer } : {}) });
      }
    }
  }
  return slots;
}

/** `range [dynamic-bootp] low [high];` -> numbers; anything else is an error, not a guess. */
function parseRange(file: ConfFile, statement: StatementNode): NumericRange {
  const words: string[] = [];
  const length = headLength(statement);
  for (let index = addressIndex(statement); index < length; index += 1)
    words.push(headValue(statement, index)!);
  if (words.length < 1 || words.length > 2 || !words.every(isIpv4)) {
    const token = statement.tokens[0];
    throw new DhcpdConfSyntaxError(
      file.path,
      token.line ?? 0,
      token.column ?? 0,
      `range expects one or two IPv4 addresses (after an optional dynamic-bootp), got "${words.join(' ')}"`,
    );
  }
  const [low, high = low] = words.map(ipToNumber);
  return { start: Math.min(low, high), end: Math.max(low, high) };
}

function addressIndex(statement: StatementNode): number {
  return isDynamicBootp(statement) ? 2 : 1;
}

/** `range dynamic-bootp ...`: dhcpd refuses it where a failover peer is in scope (the protocol has no BOOTP). */
export function isDynamicBootp(range: StatementNode): boolean {
  return headText(range, 1)?.toLowerCase() === 'dynamic-bootp';
}

/** A pool holding a `range dynamic-bootp`, which therefore cannot name a failover peer. */
export function servesDynamicBootp(pool: BlockNode): boolean {
  return childStatements(pool, 'range').some(isDynamicBootp);
}

export function slotPools(slots: RangeSlot[]): AddressPool[] {
  return slots.map((slot) => ({
    start: numberToIp(slot.range.start),
    end: numberToIp(slot.range.end),
    ...(slot.peer ? { failoverPeer: slot.peer } : {}),
  }));
}

/** ISC has no exclusions: they are the subnet's usable addresses outside every range. */
export function exclusionsOf(cidr: string, slots: RangeSlot[]): AddressRange[] {
  const holes = mergeRanges(slots.map((slot) => slot.range));
  return subtractRanges(usableRange(cidr), holes).map((range) => ({
    start: numberToIp(range.start),
    end: numberToIp(range.end),
  }));
}

interface Target {
  range: NumericRange;
  peered: boolean;
}

export interface RecutInput {
  cidr: string;
  /** The pools to write (the source's when `pools` is replaced, else the destination's own). */
  pools: Array<{ range: NumericRange; peered: boolean }>;
  /** Addresses to keep outside every range. */
  exclusions: NumericRange[];
  /** The peer name new failover pools get: the destination's own peer. */
  peerName?: string;
}

/**
 * Re-cuts a subnet's ranges to `pools` minus `exclusions`, touching as few statements as it can: a range that is
 * already right stays as it is, a range that moved gets new addresses in its own statement (its pool, failover peer
 * and `dynamic-bootp` stay), ranges no longer needed are removed (with their pool when it is left without a range),
 * and new ranges go into the subnet's failover pool (or a new one) when the source pool had a peer, else are bare.
 */
export function recutRanges(
  file: ConfFile,
  subnet: BlockNode,
  input: RecutInput,
  shared: readonly RangeSlot[] = [],
): void {
  const targets: Target[] = input.pools.flatMap((pool) =>
    subtractRanges(pool.range, input.exclusions).map((range) => ({ range, peered: pool.peered })),
  );
  const slots = [...rangeSlots(file, subnet), ...shared];
  const free = new Set(slots);
  const pending: Target[] = [];
  for (const target of targets) {
    const same = slots.find(
      (slot) =>
        free.has(slot) &&
        slot.range.start === target.range.start &&
        slot.range.end === target.range.end &&
        !!slot.peer === target.peered,
    );
    if (same) free.delete(same);
    else pending.push(target);
  }
  // A shared-network pool's range that is not kept as it is would be re-cut or removed: refused before any edit.
  const changedShared = [...free].filter((slot) => slot.shared);
  if (changedShared.length > 0) {
    throw new SharedPoolWriteError(
      `subnet ${input.cidr} takes addresses from pools declared in its shared-network ` +
        `(${changedShared.map((slot) => rangeText(slot.range)).join(', ')}), which this write would have to change; ` +
        'changing pools declared outside the subnet is not supported: move those ranges into the subnet, or write ' +
        'the scope without its pools and exclusions',
    );
  }
  const unplaced: Target[] = [];
  for (const target of pending) {
    const slot = slots.find(
      (candidate) => free.has(candidate) && !candidate.shared && !!candidate.peer === target.peered,
    );
    if (!slot) {
      unplaced.push(target);
      continue;
    }
    free.delete(slot);
    setStatementTokens(slot.statement, addressIndex(slot.statement), rangeText(target.range));
  }
  for (const slot of free) {
    const container = slot.pool ?? subnet;
    removeNode(container, slot.statement);
    if (slot.pool && childStatements(slot.pool, 'range').length === 0) removeNode(subnet, slot.pool);
  }
  for (const target of unplaced) placeRange(file, subnet, target, input.peerName);
}

function placeRange(file: ConfFile, subnet: BlockNode, target: Target, peerName: string | undefined): void {
  const range = `range ${rangeText(target.range)}`;
  if (target.peered && peerName) {
    const pool = childBlocks(subnet, 'pool')
      .filter((candidate) => poolPeer(candidate) === peerName)
      .pop();
    if (pool) {
      insertNodes(file, pool, lastIndex(pool, 'range') + 1, [range]);
      return;
    }
    insertNodes(file, subnet, subnet.body.length, [
      { header: 'pool', body: [`failover peer ${quote(peerName)}`, range] },
    ]);
    return;
  }
  if (target.peered) {
    insertNodes(file, subnet, subnet.body.length, [{ header: 'pool', body: [range] }]);
    return;
  }
  const after = Math.max(lastIndex(subnet, 'range'), lastIndex(subnet, 'pool'));
  insertNodes(file, subnet, after >= 0 ? after + 1 : subnet.body.length, [range]);
}

function lastIndex(block: BlockNode, keyword: string): number {
  let found = -1;
  block.body.forEach((node, index) => {
    if (headWord(node, 0) === keyword) found = index;
  });
  return found;
}

function rangeText(range: NumericRange): string {
  return `${numberToIp(range.start)} ${numberToIp(range.end)}`;
}
