import { childBlocks, childStatements, findBlocks, isBlock, isStatement } from './conf-walk.js';
import { insertNodes, removeNode, replaceNode } from './conf-edit.js';
import type { ConfSet } from './include-resolver.js';
import type { IscSubnet } from './isc-subnet.mapper.js';
import { type BlockNode, type ConfFile, type ConfNode } from './syntax-tree.js';
import { headLength, nodeText } from './node-head.js';

/**
 * dhcpd has no "disabled" flag on a subnet. A scope is disabled here the way an administrator stops a subnet from
 * leasing without deleting it: every address pool of the subnet carries `deny all clients;`, so no dynamic address
 * is offered from it. Host reservations keep answering: dhcpd treats host declarations as global.
 */
export const DENY_ALL = 'deny all clients';

export function isDenyAll(node: ConfNode): boolean {
  return isStatement(node, 'deny', 'all', 'clients') && headLength(node) === 3;
}

/** Disabled: the subnet has pools, no bare `range`, and every pool denies all clients. */
export function isSubnetDisabled(subnet: BlockNode): boolean {
  const pools = childBlocks(subnet, 'pool');
  return (
    childStatements(subnet, 'range').length === 0 &&
    pools.length > 0 &&
    pools.every((pool) => pool.body.some(isDenyAll))
  );
}

/** Whether the subnet has an address pool (bare range or pool) that `disable` could close. */
export function hasAddressPools(subnet: BlockNode): boolean {
  return childStatements(subnet, 'range').length > 0 || childBlocks(subnet, 'pool').length > 0;
}

/**
 * Disables (every pool gets `deny all clients;` after its `failover peer`, a bare `range` becomes a pool of its own
 * since dhcpd takes permit lists only in pools) or enables again (the `deny all clients;` statements go). Enabling
 * touches only a subnet that is disabled as a whole, so a pool an administrator closed on its own stays closed.
 */
export function setSubnetEnabled(file: ConfFile, subnet: BlockNode, enabled: boolean): void {
  if (enabled) {
    if (!isSubnetDisabled(subnet)) return;
    for (const pool of childBlocks(subnet, 'pool')) {
      for (const node of pool.body.filter(isDenyAll)) removeNode(pool, node);
    }
    return;
  }
  for (const range of childStatements(subnet, 'range')) {
    replaceNode(file, subnet, range, { header: 'pool', body: [DENY_ALL, nodeText(range)] });
  }
  for (const pool of childBlocks(subnet, 'pool')) {
    if (pool.body.some(isDenyAll)) continue;
    const peer = pool.body.findIndex((node) => isStatement(node, 'failover', 'peer'));
    insertNodes(file, pool, peer + 1, [DENY_ALL]);
  }
}

/**
 * Removes a subnet declaration. Its shared-network goes with it when no subnet is left there (dhcpd rejects an
 * empty shared-network declaration).
 */
export function removeSubnet(set: ConfSet, subnet: IscSubnet): void {
  removeNode(subnet.container, subnet.node);
  const shared = [...subnet.ancestors].reverse().find((block) => isBlock(block, 'shared-network'));
  if (!shared) return;
  const located = findBlocks(set, 'shared-network').find(({ node }) => node === shared);
  const remaining = findBlocks(set, 'subnet').some(({ ancestors }) => ancestors.includes(shared));
  if (located && !remaining) removeNode(located.container, located.node);
}
