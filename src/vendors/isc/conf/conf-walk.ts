import { includeTarget, resolveInclude, type ConfSet } from './include-resolver.js';
import { headStartsWith, headStartsWithWords } from './node-head.js';
import type { BlockNode, ConfFile, ConfNode, Container, StatementNode } from './syntax-tree.js';

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

// Up to three keywords as parameters, not a rest array: these run for every node of a file, and an array made per
// call is most of what a pass over a large file would allocate.
export function isBlock(node: ConfNode, first: string, second?: string, third?: string): node is BlockNode {
  return node.kind === 'block' && headStartsWithWords(node, first, second, third);
}

export function isStatement(
  node: ConfNode,
  first: string,
  second?: string,
  third?: string,
): node is StatementNode {
  return node.kind === 'statement' && headStartsWithWords(node, first, second, third);
}

/**
 * Calls `visit` on every node in {@link walk}'s order, with the blocks around it in `ancestors` (an array that
 * changes as the visit goes on: copy it to keep it). Cheaper than the generator for a pass over a large file.
 */
export function visitNodes(
  set: ConfSet,
  visit: (node: ConfNode, file: ConfFile, container: Container, ancestors: readonly BlockNode[]) => void,
  descend: (block: BlockNode) => boolean = () => true,
): void {
  const main = set.files.get(set.mainPath);
  if (main) visitBody(set, main, main, [], new Set([set.mainPath]), visit, descend);
}

function visitBody(
  set: ConfSet,
  file: ConfFile,
  container: Container,
  ancestors: BlockNode[],
  open: Set<string>,
  visit: (node: ConfNode, file: ConfFile, container: Container, ancestors: readonly BlockNode[]) => void,
  descend: (block: BlockNode) => boolean,
): void {
  for (const node of container.body) {
    visit(node, file, container, ancestors);
    if (node.kind === 'statement') {
      const target = includeTarget(node);
      if (target !== undefined) {
        const path = resolveInclude(set.mainPath, target);
        const included = set.files.get(path);
        if (included && !open.has(path)) {
          visitBody(set, included, included, ancestors, new Set([...open, path]), visit, descend);
        }
      }
    } else if (node.kind === 'block' && descend(node)) {
      ancestors.push(node);
      visitBody(set, file, node, ancestors, open, visit, descend);
      ancestors.pop();
    }
  }
}

/**
 * Every declaration whose header starts with `keywords` (e.g. `subnet`, `host`, `failover peer`, `shared-network`).
 * None of these nests in itself in dhcpd's grammar, so a found declaration's body is not searched: finding the hosts
 * does not walk every host's statements, nor finding the subnets every subnet's hosts.
 */
export function findBlocks(set: ConfSet, ...keywords: string[]): Array<Located<BlockNode>> {
  const found: Array<Located<BlockNode>> = [];
  visitBlocks(set, keywords, (file, container, node, ancestors) =>
    found.push({ file, container, node, ancestors }),
  );
  return found;
}

/**
 * findBlocks' declarations, each handed to `visit` where it is, for a caller that makes its own object of each
 * (tens of thousands of hosts). `ancestors` may be kept: declarations side by side share one copy of the blocks
 * around them (as walk's siblings share theirs).
 */
export function visitBlocks(
  set: ConfSet,
  keywords: readonly string[],
  visit: (file: ConfFile, container: Container, node: BlockNode, ancestors: BlockNode[]) => void,
): void {
  let around: BlockNode[] = [];
  visitNodes(
    set,
    (node, file, container, ancestors) => {
      if (node.kind !== 'block' || !headStartsWith(node, keywords)) return;
      if (around.length !== ancestors.length || around.some((block, index) => block !== ancestors[index])) {
        around = [...ancestors];
      }
      visit(file, container, node, around);
    },
    (block) => !headStartsWith(block, keywords),
  );
}

/** The direct children of a block that are statements starting with `keywords`. */
export function childStatements(block: Container, ...keywords: string[]): StatementNode[] {
  return block.body.filter(
    (node): node is StatementNode => node.kind === 'statement' && headStartsWith(node, keywords),
  );
}

export function childBlocks(block: Container, ...keywords: string[]): BlockNode[] {
  return block.body.filter(
    (node): node is BlockNode => node.kind === 'block' && headStartsWith(node, keywords),
  );
}
