import type { BlockNode, ConfFile, ConfNode, StatementNode, Token } from './syntax-tree.js';
import type { TokenTable } from './token-table.js';

/**
 * Nodes as the parser makes them: they hold token indices into their {@link TokenTable} and make their token objects
 * on first use. A node whose tokens were never asked for cannot have been edited (every edit goes through the token
 * objects), so the printer prints it as one slice of the source: `pristine` says so.
 */
export class SourceStatement implements StatementNode {
  readonly kind = 'statement';
  private own: { tokens: Token[]; semi: Token } | undefined;

  constructor(
    readonly table: TokenTable,
    /** Index of the first token; equal to `semiIndex` for a lone `;`. */
    readonly first: number,
    readonly semiIndex: number,
  ) {}

  /** How many tokens come before the `;` (as read). */
  get headLength(): number {
    return this.semiIndex - this.first;
  }

  get pristine(): boolean {
    return this.own === undefined;
  }

  /** Where the node's text, with the trivia in front of it, starts and ends in `table.source`. */
  sourceStart(): number {
    return this.table.triviaStart(this.first);
  }

  sourceEnd(): number {
    return this.table.ends[this.semiIndex];
  }

  get tokens(): Token[] {
    return this.materialize().tokens;
  }

  set tokens(tokens: Token[]) {
    this.materialize().tokens = tokens;
  }

  get semi(): Token {
    return this.materialize().semi;
  }

  set semi(token: Token) {
    this.materialize().semi = token;
  }

  private materialize(): { tokens: Token[]; semi: Token } {
    return (this.own ??= {
      tokens: this.table.tokens(this.first, this.semiIndex - 1),
      semi: this.table.token(this.semiIndex),
    });
  }
}

export class SourceBlock implements BlockNode {
  readonly kind = 'block';
  /** Set by the parser once the body is read (not made empty first: one array fewer per block of a large file). */
  body!: ConfNode[];
  private own: { header: Token[]; open: Token; close: Token; semi?: Token } | undefined;

  constructor(
    readonly table: TokenTable,
    readonly first: number,
    readonly openIndex: number,
    /** Set by the parser once the body is read. */
    public closeIndex: number,
    /** The `;` after `}`, or -1. */
    public semiIndex: number,
  ) {}

  get pristine(): boolean {
    return this.own === undefined;
  }

  /** How many tokens the header has (as read). */
  get headLength(): number {
    return this.openIndex - this.first;
  }

  /** Where the header and `{`, with the trivia in front, start and end in `table.source`. */
  headStart(): number {
    return this.table.triviaStart(this.first);
  }

  headEnd(): number {
    return this.table.ends[this.openIndex];
  }

  /** Where the `}` (and `;`), with the trivia in front, start and end in `table.source`. */
  tailStart(): number {
    return this.table.triviaStart(this.closeIndex);
  }

  tailEnd(): number {
    return this.table.ends[this.semiIndex >= 0 ? this.semiIndex : this.closeIndex];
  }

  get header(): Token[] {
    return this.materialize().header;
  }

  set header(tokens: Token[]) {
    this.materialize().header = tokens;
  }

  get open(): Token {
    return this.materialize().open;
  }

  set open(token: Token) {
    this.materialize().open = token;
  }

  get close(): Token {
    return this.materialize().close;
  }

  set close(token: Token) {
    this.materialize().close = token;
  }

  get semi(): Token | undefined {
    return this.materialize().semi;
  }

  set semi(token: Token | undefined) {
    this.materialize().semi = token;
  }

  private materialize(): { header: Token[]; open: Token; close: Token; semi?: Token } {
    if (this.own === undefined) {
      const { table } = this;
      this.own = {
        header: table.tokens(this.first, this.openIndex - 1),
        open: table.token(this.openIndex),
        close: table.token(this.closeIndex),
        ...(this.semiIndex >= 0 ? { semi: table.token(this.semiIndex) } : {}),
      };
    }
    return this.own;
  }
}

/** A parsed file; its end-of-file token (which holds the trailing trivia) is made when asked for. */
export class SourceFile implements ConfFile {
  private eofToken: Token | undefined;

  constructor(
    readonly path: string,
    public body: ConfNode[],
    readonly table: TokenTable,
    readonly newline: '\n' | '\r\n',
  ) {}

  /** Whether the trailing trivia is as read (its token was never made). */
  get pristineEnd(): boolean {
    return this.eofToken === undefined;
  }

  /** Where the trailing trivia starts in `table.source` (it ends with the source). */
  tailStart(): number {
    return this.table.triviaStart(this.table.count - 1);
  }

  get eof(): Token {
    return (this.eofToken ??= this.table.token(this.table.count - 1));
  }

  set eof(token: Token) {
    this.eofToken = token;
  }
}
