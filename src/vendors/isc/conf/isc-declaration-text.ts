import type { ScopeContent } from '../../scope-content.js';
import { isStatement } from './conf-walk.js';
import type { ConfSet } from './include-resolver.js';
import { readScopes } from './isc-subnet.mapper.js';
import { parse } from './parser.js';
import { SourceBlock, SourceStatement } from './source-nodes.js';
import type { BlockNode, ConfNode } from './syntax-tree.js';

/** A subnet declaration as read: its text, and where in it its pools name their failover peer. */
export interface DeclarationText {
  /** From the `subnet` keyword to the closing brace (the lines in front of it are not the declaration's). */
  text: string;
  /**
   * The text between the names in `failover peer "..."` of its pools (each server's pools name its own peer): one
   * piece more than there are names. Slices of the source, compared without being joined (sameDeclaration).
   */
  pieces: string[];
}

/**
 * The declaration's text as it was read, or undefined when anything in it was changed since (or it was not parsed
 * from text). Two plain declarations (isc-scope-copy.ts) that are the same declaration (sameDeclaration), read with
 * the same option definitions, map to the same scope.
 */
export function declarationText(block: BlockNode): DeclarationText | undefined {
  if (!(block instanceof SourceBlock) || !untouched(block)) return undefined;
  const { table } = block;
  const start = table.starts[block.first];
  const end = block.tailEnd();
  const pieces: string[] = [];
  let at = start;
  for (const node of block.body) {
    if (node.kind !== 'block') continue;
    for (const child of node.body) {
      // `failover peer "name";`: its third token is the name (a string or a word).
      if (
        child instanceof SourceStatement &&
        child.headLength === 3 &&
        isStatement(child, 'failover', 'peer')
      ) {
        pieces.push(table.source.slice(at, table.starts[child.first + 2]));
        at = table.ends[child.first + 2];
      }
    }
  }
  pieces.push(table.source.slice(at, end));
  return { text: pieces.length === 1 ? pieces[0] : table.source.slice(start, end), pieces };
}

/** Whether two declarations read the same but for the names of the failover peers their pools name. */
export function sameDeclaration(a: DeclarationText, b: DeclarationText): boolean {
  if (a.pieces.length !== b.pieces.length) return false;
  return a.pieces.every((piece, index) => piece === b.pieces[index]);
}

function untouched(node: ConfNode): boolean {
  if (node instanceof SourceStatement) return node.pristine;
  if (!(node instanceof SourceBlock) || !node.pristine) return false;
  return node.body.every(untouched);
}

/**
 * The scope a declaration's text maps to, read alone after the option definitions it was read with (`definitions`:
 * their declarations' text). The same as in its whole configuration when its hosts are all declared in it, as for a
 * plain declaration copied between servers.
 */
export function scopeFromDeclaration(definitions: string, text: string): ScopeContent {
  const path = 'saved declaration';
  const source = `${definitions}\n${text}\n`;
  const set: ConfSet = {
    mainPath: path,
    files: new Map([[path, parse(source, path)]]),
    originals: new Map(),
  };
  const [scope] = readScopes(set).values();
  if (!scope) throw new Error('the saved declaration holds no subnet');
  return scope;
}
