import { ProblemException } from '../../common/problem/problem.exception.js';
import { childBlocks, childStatements } from './conf/conf-walk.js';
import { insertNodes, replaceNode, setStatementTokens } from './conf/conf-edit.js';
import type { ConfSet } from './conf/include-resolver.js';
import { listPeerReferences, readFailoverPeers, removeFailoverPeer } from './conf/isc-peer.mapper.js';
import {
  isDynamicBootp,
  poolRanges,
  servesDynamicBootp,
  sharedSlots,
  subnetSlots,
  type PooledSubnet,
  type RangeSlot,
} from './conf/isc-pools.js';
import { findSubnets, type IscSubnet } from './conf/isc-subnet.mapper.js';
import { cidrRange, contains, ipToNumber } from './conf/ipv4.js';
import { nodeText } from './conf/node-head.js';
import { quote, type BlockNode, type ConfFile } from './conf/syntax-tree.js';
import { findPeer, notFound, scopeOf } from './isc-peer-views.js';

/**
 * The seed's migration of a scope's address pools to a failover peer ("the scope needs to be migrated to the failover
 * peer"), or of one pool ("changing from one failover peer to another for some specific address pool"), with its
 * rule: a peer left with no pool is deleted, once the caller confirms.
 */

export interface ScopeMigration {
  network: string;
  /** The address the caller picked the one pool by, when it did. */
  pool?: string;
  peer: string;
  /** Pool declarations that now name the peer (bare ranges become pools of their own). */
  poolsChanged: number;
  /** Peers deleted because this scope held their last references (confirmed by the caller). */
  deletedPeers: string[];
}

/** How a scope's pools move (migrateScope). */
export interface MigrationChoice {
  /** The caller's yes to deleting a peer whose last pools move. */
  confirmDeleteOldPeer: boolean;
  /** An address in one of the scope's ranges: only the pool holding it moves (the seed's "specific address pool"). */
  pool?: string;
}

/**
 * Points every address pool of a scope at `peerName`, or only the one holding `choice.pool` (a bare `range` becomes a
 * pool of its own, since dhcpd takes a peer only in a pool). When those pools are the last references to another
 * peer, that peer would be left with no pool, which dhcpd refuses: the caller must confirm that it is deleted
 * (`confirmDeleteOldPeer`), else a 409 warns.
 */
export function migrateScope(
  set: ConfSet,
  network: string,
  peerName: string,
  { confirmDeleteOldPeer, pool: address }: MigrationChoice,
  serverName: string,
): ScopeMigration {
  const subnet = scopeOf(set, network, serverName);
  findPeer(set, peerName, serverName);
  const picked = address === undefined ? undefined : pickPool(subnet, address, serverName);
  // Its pools: its own, and those of its shared-network that hold its addresses (sharedSlots); or the one picked.
  const shared = sharedSlots(subnet);
  const sharedPools = [...new Set(shared.map((slot) => slot.pool!))].filter(
    (pool) => !picked || pool === picked.pool,
  );
  // A shared pool with a range outside the subnet serves other subnets too.
  const elsewhere = sharedPools.filter(
    (pool) =>
      poolRanges(subnet.shared!.file, pool).length !== shared.filter((slot) => slot.pool === pool).length,
  );
  if (elsewhere.length > 0) {
    throw ProblemException.conflict(
      `subnet ${subnet.cidr} on ${serverName} takes addresses from a pool of shared-network ` +
        `"${subnet.sharedNetwork ?? ''}" that holds ranges of other subnets too; moving that pool to failover peer ` +
        `"${peerName}" would move them as well: give each subnet its own pool first`,
    );
  }
  const fileOf = new Map<BlockNode, ConfFile>(sharedPools.map((pool) => [pool, subnet.shared!.file]));
  // dynamic-bootp ranges stay out of failover: dhcpd -t refuses them with a peer in scope.
  const allPools = picked
    ? [picked.pool].filter((pool) => pool !== undefined)
    : [...childBlocks(subnet.node, 'pool'), ...sharedPools];
  const allRanges = picked ? (picked.pool ? [] : [picked.statement]) : childStatements(subnet.node, 'range');
  const pools = allPools.filter((pool) => !servesDynamicBootp(pool));
  const ranges = allRanges.filter((range) => !isDynamicBootp(range));
  if (pools.length === 0 && ranges.length === 0) {
    const bootp = allPools.length + allRanges.length > 0;
    const what = picked ? `the pool holding ${address} in subnet ${subnet.cidr}` : `subnet ${subnet.cidr}`;
    throw ProblemException.conflict(
      picked
        ? `${what} on ${serverName} cannot refer to failover peer "${peerName}": it serves dynamic-bootp clients, ` +
            'and dhcpd refuses BOOTP with a failover peer'
        : `${what} on ${serverName} has no address pool to refer to failover peer "${peerName}"` +
            (bootp
              ? ' (its dynamic-bootp ranges cannot take one: dhcpd refuses BOOTP with a failover peer)'
              : ''),
    );
  }
  const own = new Set(pools);
  const references = listPeerReferences(set);
  const oldPeers = [
    ...new Set(
      references
        .filter((reference) => own.has(reference.pool) && reference.peer !== peerName)
        .map((reference) => reference.peer),
    ),
  ];
  const declared = new Set(readFailoverPeers(set).map((peer) => peer.name));
  const orphaned = oldPeers.filter(
    (old) =>
      declared.has(old) &&
      !references.some((reference) => reference.peer === old && !own.has(reference.pool)),
  );
  if (orphaned.length > 0 && !confirmDeleteOldPeer) {
    throw ProblemException.conflict(
      `subnet ${subnet.cidr} holds the last pools on ${serverName} that refer to failover peer(s) ` +
        `${orphaned.map((o) => `"${o}"`).join(', ')}; moving it to "${peerName}" deletes ${
          orphaned.length === 1 ? 'that peer' : 'those peers'
        }. Send confirmDeleteOldPeer: true to go ahead.`,
      { peersToDelete: orphaned, confirm: 'confirmDeleteOldPeer' },
    );
  }
  let poolsChanged = 0;
  for (const pool of pools) {
    const statement = childStatements(pool, 'failover', 'peer')[0];
    if (!statement) {
      insertNodes(fileOf.get(pool) ?? subnet.file, pool, 0, [`failover peer ${quote(peerName)}`]);
      poolsChanged += 1;
    } else if (references.find((reference) => reference.statement === statement)?.peer !== peerName) {
      setStatementTokens(statement, 2, quote(peerName));
      poolsChanged += 1;
    }
  }
  for (const range of ranges) {
    replaceNode(subnet.file, subnet.node, range, {
      header: 'pool',
      body: [`failover peer ${quote(peerName)}`, nodeText(range)],
    });
    poolsChanged += 1;
  }
  for (const old of orphaned) removeFailoverPeer(set, old);
  return {
    network,
    ...(address !== undefined ? { pool: address } : {}),
    peer: peerName,
    poolsChanged,
    deletedPeers: orphaned,
  };
}

/** The subnet whose addresses include `address`; 404 when none does. */
function subnetHolding(set: ConfSet, address: string, serverName: string): IscSubnet {
  const value = ipToNumber(address);
  const subnet = findSubnets(set).find((candidate) => contains(cidrRange(candidate.cidr), value));
  if (!subnet) throw notFound(`${serverName} has no subnet holding ${address}`);
  return subnet;
}

/** The range of the subnet (its own, or of a pool of its shared-network) that holds `address`; 404 when none does. */
function pickPool(subnet: PooledSubnet, address: string, serverName: string): RangeSlot {
  const value = ipToNumber(address);
  const slot = subnetSlots(subnet).find(({ range }) => contains(range, value));
  if (!slot) {
    throw notFound(`subnet ${subnet.cidr} on ${serverName} has no address pool holding ${address}`);
  }
  return slot;
}

/** The network of the scope whose ranges hold `address` (checked as {@link migrateScope} will); 404 otherwise. */
export function scopeHoldingPool(set: ConfSet, address: string, serverName: string): string {
  const subnet = subnetHolding(set, address, serverName);
  pickPool(subnet, address, serverName);
  return subnet.network;
}
