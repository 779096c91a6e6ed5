import { includeTarget, resolveInclude, type ConfSet } from './include-resolver.js';
import {
  headerWords,
  type BlockNode,
  type ConfFile,
  type ConfNode,
  type Container,
  type StatementNode,
} from './syntax-tree.js';

/** Where a node sits: its file, the body holding it, and the blocks around it (across includes). */
export interface Located<T extends ConfNode = ConfNode> {
  file: ConfFile;
  container: Container;
  node: T;
  ancestors: BlockNode[];
}

/**
 * Every node of the configuration in dhcpd's reading order: an include statement is followed by the included
 * file's nodes, which count as inside the blocks around the include.
 */
export function* walk(set: ConfSet): Generator<Located> {
  const main = set.files.get(set.mainPath);
  if (main) yield* walkBody(set, main, main, [], new Set([set.mainPath]));
}

function* walkBody(
  set: ConfSet,
  file: ConfFile,
  container: Container,
  ancestors: BlockNode[],
  open: Set<string>,
): Generator<Located> {
  for (const node of container.body) {
    yield { file, container, node, ancestors };
    const target = includeTarget(node);
    if (target !== undefined) {
      const path = resolveInclude(set.mainPath, target);
      const included = set.files.get(path);
      if (included && !open.has(path)) {
        yield* walkBody(set, included, included, ancestors, new Set([...open, path]));
      }
    }
    if (node.kind === 'block') yield* walkBody(set, file, node, [...ancestors, node], open);
  }
}

export function isBlock(node: ConfNode, ...keywords: string[]): node is BlockNode {
  if (node.kind !== 'block') return false;
  const words = headerWords(node);
  return keywords.every((keyword, index) => words[index] === keyword);
}

export function isStatement(node: ConfNode, ...keywords: string[]): node is StatementNode {
  if (node.kind !== 'statement') return false;
  const words = headerWords(node);
  return keywords.every((keyword, index) => words[index] === keyword);
}

/** Every declaration whose header starts with `keywords` (e.g. `subnet`, `host`, `failover peer`). */
export function findBlocks(set: ConfSet, ...keywords: string[]): Array<Located<BlockNode>> {
  const found: Array<Located<BlockNode>> = [];
  for (const located of walk(set)) {
    if (isBlock(located.node, ...keywords)) found.push(located as Located<BlockNode>);
  }
  return found;
}

/** The direct children of a block that are statements starting with `keywords`. */
export function childStatements(block: Container, ...keywords: string[]): StatementNode[] {
  return block.body.filter((node): node is StatementNode => isStatement(node, ...keywords));
}

export function childBlocks(block: Container, ...keywords: string[]): BlockNode[] {
  return block.body.filter((node): node is BlockNode => isBlock(node, ...keywords));
}
