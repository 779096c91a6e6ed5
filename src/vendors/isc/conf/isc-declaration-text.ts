import type { ScopeContent } from '../../scope-content.js';
import { isStatement } from './conf-walk.js';
import type { ConfSet } from './include-resolver.js';
import { readScopes } from './isc-subnet.mapper.js';
import { parse } from './parser.js';
import { SourceBlock, SourceStatement } from './source-nodes.js';
import type { BlockNode, ConfNode } from './syntax-tree.js';

/** A subnet declaration as read: its text, and that text with its pools' failover peer names left out. */
export interface DeclarationText {
  /** From the `subnet` keyword to the closing brace (the lines in front of it are not the declaration's). */
  text: string;
  /** `text` without the names in `failover peer "..."` of its pools: each server's pools name its own peer. */
  comparable: string;
}

/**
 * The declaration's text as it was read, or undefined when anything in it was changed since (or it was not parsed
 * from text). Two plain declarations (isc-scope-copy.ts) with equal `comparable` texts, read with the same option
 * definitions, map to the same scope.
 */
export function declarationText(block: BlockNode): DeclarationText | undefined {
  if (!(block instanceof SourceBlock) || !untouched(block)) return undefined;
  const { table } = block;
  const start = table.starts[block.first];
  const end = block.tailEnd();
  const cuts: number[] = [];
  for (const node of block.body) {
    if (node.kind !== 'block') continue;
    for (const child of node.body) {
      // `failover peer "name";`: its third token is the name (a string or a word).
      if (
        child instanceof SourceStatement &&
        child.headLength === 3 &&
        isStatement(child, 'failover', 'peer')
      ) {
        cuts.push(table.starts[child.first + 2], table.ends[child.first + 2]);
      }
    }
  }
  const text = table.source.slice(start, end);
  if (cuts.length === 0) return { text, comparable: text };
  const pieces: string[] = [];
  let at = start;
  for (let index = 0; index < cuts.length; index += 2) {
    pieces.push(table.source.slice(at, cuts[index]));
    at = cuts[index + 1];
  }
  pieces.push(table.source.slice(at, end));
  return { text, comparable: pieces.join('\u0000') };
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
