import { SourceBlock, SourceFile, SourceStatement } from './source-nodes.js';
import type { ConfFile, ConfNode, Token } from './syntax-tree.js';
import type { TokenTable } from './token-table.js';

/** The file's text: every token with the trivia before it. A parsed file that was not edited prints as it was read. */
export function print(file: ConfFile): string {
  const out = new Output();
  for (const node of file.body) pushNode(out, node);
  if (file instanceof SourceFile && file.pristineEnd) {
    out.pushSpan(file.table, file.tailStart(), file.table.source.length);
  } else {
    out.push(file.eof.before);
  }
  return out.text();
}

/** One node's text, including the trivia in front of it. */
export function printNode(node: ConfNode): string {
  const out = new Output();
  pushNode(out, node);
  return out.text();
}

/**
 * The printed pieces. Untouched nodes come as spans of their source: adjacent spans of one source merge, so an
 * unchanged stretch of a file (all of it, when nothing changed) becomes one slice. The other pieces are joined CHUNK
 * at a time: one join over hundreds of thousands of pieces is markedly slower in V8 than joins of a few thousand
 * followed by a join of the chunks.
 */
class Output {
  private static readonly CHUNK = 4096;
  private readonly chunks: string[] = [];
  private parts: string[] = [];
  private spanTable: TokenTable | undefined;
  private spanStart = 0;
  private spanEnd = 0;

  push(piece: string): void {
    if (this.spanTable) this.flushSpan();
    if (piece === '') return;
    this.parts.push(piece);
    if (this.parts.length === Output.CHUNK) {
      this.chunks.push(this.parts.join(''));
      this.parts = [];
    }
  }

  /** `table.source` from `start` to `end`. */
  pushSpan(table: TokenTable, start: number, end: number): void {
    if (table === this.spanTable && start === this.spanEnd) {
      this.spanEnd = end;
      return;
    }
    if (this.spanTable) this.flushSpan();
    this.spanTable = table;
    this.spanStart = start;
    this.spanEnd = end;
  }

  text(): string {
    if (this.spanTable) this.flushSpan();
    if (this.chunks.length === 0) return this.parts.join('');
    this.chunks.push(this.parts.join(''));
    return this.chunks.join('');
  }

  private flushSpan(): void {
    const table = this.spanTable as TokenTable;
    this.spanTable = undefined;
    this.push(table.source.slice(this.spanStart, this.spanEnd));
  }
}

// Straight from the tree into the output, without building each node's token list; what nobody touched is a slice of
// the source it was parsed from.
function pushNode(out: Output, node: ConfNode): void {
  if (node instanceof SourceStatement && node.pristine) {
    out.pushSpan(node.table, node.sourceStart(), node.sourceEnd());
    return;
  }
  if (node instanceof SourceBlock && node.pristine) {
    out.pushSpan(node.table, node.headStart(), node.headEnd());
    for (const child of node.body) pushNode(out, child);
    out.pushSpan(node.table, node.tailStart(), node.tailEnd());
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
