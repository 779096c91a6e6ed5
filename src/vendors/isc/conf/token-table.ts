import type { Token, TokenKind } from './syntax-tree.js';

/** Token kinds as stored in {@link TokenTable.kinds}. */
export const WORD = 0;
export const STRING = 1;
export const PUNCT = 2;
export const EOF = 3;
export const KIND_NAMES: readonly TokenKind[] = ['word', 'string', 'punct', 'eof'];

const NEWLINE = 0x0a;
const SPACE_CODE = 0x20;
/** Trivia that is a newline and up to 64 spaces (the usual indentation), shared instead of sliced each time. */
const INDENTS = Array.from({ length: 65 }, (_, spaces) => `\n${' '.repeat(spaces)}`);

/**
 * The tokens of one source text as offsets: token `i` is `source[starts[i], ends[i])`, and its trivia (whitespace and
 * comments) is everything between the previous token's end and its start. No string or object is made per token
 * until someone asks for it: the parser works on the offsets, and a node nobody touched prints as a slice of the
 * source. That is what makes parse + print of a large file cheap (issue 7's benchmark: half of `dhcpd -t`).
 */
export class TokenTable {
  private lineStarts: Int32Array | undefined;

  constructor(
    readonly source: string,
    readonly file: string,
    readonly kinds: Uint8Array,
    readonly starts: Int32Array,
    readonly ends: Int32Array,
    /** Tokens including the final `eof` token. */
    readonly count: number,
  ) {}

  triviaStart(index: number): number {
    return index === 0 ? 0 : this.ends[index - 1];
  }

  text(index: number): string {
    return this.source.slice(this.starts[index], this.ends[index]);
  }

  before(index: number): string {
    const start = this.triviaStart(index);
    const end = this.starts[index];
    const size = end - start;
    if (size === 0) return '';
    if (size <= INDENTS.length && this.source.charCodeAt(start) === NEWLINE) {
      let at = start + 1;
      while (at < end && this.source.charCodeAt(at) === SPACE_CODE) at += 1;
      if (at === end) return INDENTS[size - 1];
    }
    return this.source.slice(start, end);
  }

  /** Whether token `index` is the one-character punctuation `code` (`;`, `{`, `}`, ...). */
  isPunct(index: number, code: number): boolean {
    return (
      this.kinds[index] === PUNCT &&
      this.ends[index] - this.starts[index] === 1 &&
      this.source.charCodeAt(this.starts[index]) === code
    );
  }

  /** Token `index` as an object of its own, which edits may change. */
  token(index: number): Token {
    return new SourceToken(KIND_NAMES[this.kinds[index]], this.text(index), this.before(index), this, index);
  }

  tokens(first: number, last: number): Token[] {
    const tokens: Token[] = [];
    for (let index = first; index <= last; index += 1) tokens.push(this.token(index));
    return tokens;
  }

  /** 1-based line and column of token `index`'s first character. */
  position(index: number): { line: number; column: number } {
    return positionOf(this.source, this.starts[index], (this.lineStarts ??= lineStartsOf(this.source)));
  }
}

/** 1-based line and column of `offset` in `source`, given the offsets where its lines start. */
export function positionOf(
  source: string,
  offset: number,
  starts: Int32Array = lineStartsOf(source),
): { line: number; column: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - starts[low] + 1 };
}

/** A token read from a source: its position is worked out when asked for (error messages only). */
class SourceToken implements Token {
  constructor(
    public kind: TokenKind,
    public text: string,
    public before: string,
    private readonly table: TokenTable,
    private readonly index: number,
  ) {}

  get line(): number {
    return this.table.position(this.index).line;
  }

  get column(): number {
    return this.table.position(this.index).column;
  }
}

function lineStartsOf(source: string): Int32Array {
  let lines = 1;
  for (let at = source.indexOf('\n'); at >= 0; at = source.indexOf('\n', at + 1)) lines += 1;
  const starts = new Int32Array(lines);
  let line = 1;
  for (let at = source.indexOf('\n'); at >= 0; at = source.indexOf('\n', at + 1)) starts[line++] = at + 1;
  return starts;
}
