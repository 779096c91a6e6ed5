import type { ConfFile, ConfNode } from './syntax-tree.js';
import { nodeTokens } from './syntax-tree.js';

/** The file's text: every token with the trivia before it. A parsed file that was not edited prints as it was read. */
export function print(file: ConfFile): string {
  const parts: string[] = [];
  for (const node of file.body) pushNode(parts, node);
  parts.push(file.eof.before);
  return parts.join('');
}

/** One node's text, including the trivia in front of it. */
export function printNode(node: ConfNode): string {
  const parts: string[] = [];
  pushNode(parts, node);
  return parts.join('');
}

function pushNode(parts: string[], node: ConfNode): void {
  if (node.kind === 'block') {
    for (const token of node.header) parts.push(token.before, token.text);
    parts.push(node.open.before, node.open.text);
    for (const child of node.body) pushNode(parts, child);
    parts.push(node.close.before, node.close.text);
    if (node.semi) parts.push(node.semi.before, node.semi.text);
    return;
  }
  for (const token of nodeTokens(node)) parts.push(token.before, token.text);
}
