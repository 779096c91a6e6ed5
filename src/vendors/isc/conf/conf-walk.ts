import { includeTarget, resolveInclude, type ConfSet } from './include-resolver.js';
import {
  tokenValue,
  type BlockNode,
  type ConfFile,
  type ConfNode,
  type Container,
  type StatementNode,
  type Token,
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
  return node.kind === 'block' && startsWithWords(node.header, keywords);
}

export function isStatement(node: ConfNode, ...keywords: string[]): node is StatementNode {
  return node.kind === 'statement' && startsWithWords(node.tokens, keywords);
}

/**
 * Whether the tokens begin with `keywords` as headerWords reads them (words without case, strings unquoted),
 * compared token by token without building the word list: this runs for every node of every walk.
 */
function startsWithWords(tokens: readonly Token[], keywords: readonly string[]): boolean {
  if (tokens.length < keywords.length) return false;
  for (let index = 0; index < keywords.length; index += 1) {
    const token = tokens[index];
    const keyword = keywords[index];
    if (token.kind === 'word') {
      if (token.text !== keyword && token.text.toLowerCase() !== keyword) return false;
    } else if (tokenValue(token) !== keyword) return false;
  }
  return true;
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
