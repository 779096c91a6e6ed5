import type { Located } from './conf-walk.js';
import { insertNodes } from './conf-edit.js';
import { includeTarget, mainFile, type ConfSet } from './include-resolver.js';
import type { IscSubnet } from './isc-subnet.mapper.js';
import { headerWords, nodeText } from './node-head.js';
import { parseNodes } from './parser.js';
import { quote, type BlockNode, type StatementNode } from './syntax-tree.js';

/**
 * A subnet's shared-network travels with its scope as its name (`vendorExtras.sharedNetwork`) and its own statements
 * (`vendorExtras.sharedNetworkStatements`: those of the shared-network block itself, not of its subnets, pools,
 * groups or hosts, and no include), so that a copy created on a server without that shared-network gets one like
 * the source's: the subnets of one link stay on one link, and the options they inherit from it come along (as Kea's
 * `shared-network-settings` do).
 */
export function sharedNetworkStatements(subnet: IscSubnet): string[] {
  const block = subnet.shared?.node;
  if (!block) return [];
  return block.body
    .filter((node): node is StatementNode => node.kind === 'statement' && includeTarget(node) === undefined)
    .map(nodeText);
}

/** `statements` when it is a list of statement texts that each parse; [] otherwise (nothing half-carried). */
export function parsedStatements(statements: unknown): string[] {
  if (!Array.isArray(statements) || !statements.every((text) => typeof text === 'string')) return [];
  try {
    for (const text of statements) parseNodes(text);
  } catch {
    return [];
  }
  return statements;
}

/**
 * The shared-network called `name` (its name's value, quotes taken off) in `found`, or a new one at the end of the
 * main file with `statements` in it (its name quoted, which dhcpd takes for any name); `created` is told of a new one.
 */
export function sharedNetworkNamed(
  set: ConfSet,
  found: ReadonlyArray<Located<BlockNode>>,
  name: string,
  statements: readonly string[],
  created: (shared: Located<BlockNode>) => void,
): Located<BlockNode> {
  const existing = found.find(({ node }) => headerWords(node)[1] === name);
  if (existing) return existing;
  const file = mainFile(set);
  const [node] = insertNodes(file, file, file.body.length, [
    { header: `shared-network ${quote(name)}`, body: [...statements] },
  ]);
  if (node?.kind !== 'block') throw new Error(`shared-network ${name} was not created`);
  const shared: Located<BlockNode> = { file, container: file, node, ancestors: [] };
  created(shared);
  return shared;
}
