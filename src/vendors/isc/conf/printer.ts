import { SourceBlock, SourceStatement } from './source-nodes.js';
import type { ConfFile, ConfNode, Token } from './syntax-tree.js';

/** The file's text: every token with the trivia before it. A parsed file that was not edited prints as it was read. */
export function print(file: ConfFile): string {
  const out = new Output();
  for (const node of file.body) pushNode(out, node);
  out.push(file.eof.before);
  return out.text();
}

/** One node's text, including the trivia in front of it. */
export function printNode(node: ConfNode): string {
  const out = new Output();
  pushNode(out, node);
  return out.text();
}

/**
 * The printed pieces, joined CHUNK at a time: one join over hundreds of thousands of pieces (a large file has one per statement) is
 * markedly slower in V8 than joins of a few thousand followed by a join of the chunks.
 */
class Output {
  private static readonly CHUNK = 4096;
  private readonly chunks: string[] = [];
  private parts: string[] = [];

  push(piece: string): void {
    if (piece === '') return;
    this.parts.push(piece);
    if (this.parts.length === Output.CHUNK) {
      this.chunks.push(this.parts.join(''));
      this.parts = [];
    }
  }

  text(): string {
    if (this.chunks.length === 0) return this.parts.join('');
    this.chunks.push(this.parts.join(''));
    return this.chunks.join('');
  }
}

// Straight from the tree into the output, without building each node's token list; what nobody touched is a slice of
// the source it was parsed from.
function pushNode(out: Output, node: ConfNode): void {
  if (node instanceof SourceStatement && node.pristine) {
    out.push(node.sourceText());
    return;
  }
  if (node instanceof SourceBlock && node.pristine) {
    out.push(node.sourceHead());
    for (const child of node.body) pushNode(out, child);
    out.push(node.sourceTail());
    return;
  }
  if (node.kind === 'block') {
    pushTokens(out, node.header);
    pushToken(out, node.open);
    for (const child of node.body) pushNode(out, child);
    pushToken(out, node.close);
    if (node.semi) pushToken(out, node.semi);
    return;
  }
  pushTokens(out, node.tokens);
  if (node.kind === 'statement') pushToken(out, node.semi);
}

function pushTokens(out: Output, tokens: Token[]): void {
  for (let index = 0; index < tokens.length; index += 1) pushToken(out, tokens[index]);
}

function pushToken(out: Output, token: Token): void {
  out.push(token.before);
  out.push(token.text);
}
