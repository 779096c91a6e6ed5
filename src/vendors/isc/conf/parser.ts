/**
 * dhcpd.conf parser (ISC dhcpd 4.4). Hand-written: there is no maintained lossless dhcpd.conf parser on npm, and the
 * ones that exist drop comments and spacing, which we must keep to print back a file we did not change byte for byte.
 *
 * The grammar is dhcpd's outer shape only: a statement is tokens ending in `;`, a block is header tokens followed by
 * `{ ... }` (optionally `};`), blocks nest, `switch` bodies hold `case ...:` / `default:` labels, and an option
 * definition may carry a braced record type after `=`. Keywords are not checked here (`dhcpd -t` does that); the
 * semantic layers check the statements they interpret.
 *
 * The parser works on token offsets ({@link TokenTable}) and makes nodes that make their token objects only when
 * asked ({@link SourceStatement}, {@link SourceBlock}).
 */
import { scan } from './lexer.js';
import { SourceBlock, SourceFile, SourceStatement } from './source-nodes.js';
import { REDACTED } from './key-secrets.js';
import { DhcpdConfSyntaxError } from './syntax-error.js';
import type { ConfFile, ConfNode, LabelNode, Token } from './syntax-tree.js';
import { EOF, PUNCT, type TokenTable, WORD } from './token-table.js';

const SEMI = 0x3b;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const EQUALS = 0x3d;
const COLON = 0x3a;

export function parse(text: string, path = 'dhcpd.conf'): ConfFile {
  const table = scan(text, path);
  const parser = new Parser(table, path);
  const body = parser.body(undefined);
  return new SourceFile(path, body, table, text.includes('\r\n') ? '\r\n' : '\n');
}

/** Parses a piece of configuration (for inserting new statements and blocks) into nodes. */
export function parseNodes(text: string, path = '(generated)'): ConfNode[] {
  return parse(text, path).body;
}

class Parser {
  private pos = 0;

  constructor(
    private readonly table: TokenTable,
    private readonly path: string,
  ) {}

  body(parent: SourceBlock | undefined, inSwitch = false): ConfNode[] {
    const nodes: ConfNode[] = [];
    const { table } = this;
    while (true) {
      const index = this.pos;
      const kind = table.kinds[index];
      if (kind === EOF) {
        if (parent) {
          throw this.error(
            parent.open,
            `the '{' of "${describe(parent.header)}" is never closed: add a '}' (the file ends first)`,
          );
        }
        return nodes;
      }
      if (kind === PUNCT && table.isPunct(index, CLOSE)) {
        if (!parent) throw this.error(table.token(index), "unexpected '}': no block is open here");
        return nodes;
      }
      if (kind === PUNCT && table.isPunct(index, SEMI)) {
        throw this.error(table.token(index), "unexpected ';': there is no statement before it");
      }
      nodes.push(inSwitch && this.isLabelStart(index) ? this.label() : this.item());
    }
  }

  private item(): ConfNode {
    const { table } = this;
    const first = this.pos;
    while (true) {
      const index = this.pos;
      const kind = table.kinds[index];
      if (kind === EOF) {
        throw this.missingSemicolon(first, index, 'the file ends');
      }
      this.pos += 1;
      if (kind !== PUNCT) continue;
      if (table.isPunct(index, CLOSE)) {
        throw this.missingSemicolon(first, index, `before the '}' on line ${table.position(index).line}`);
      }
      if (table.isPunct(index, SEMI)) return new SourceStatement(table, first, index);
      if (table.isPunct(index, OPEN)) {
        if (index > first && table.isPunct(index - 1, EQUALS)) {
          this.bracedValue(index);
          continue;
        }
        if (index === first) {
          throw this.error(
            table.token(index),
            "'{' with no declaration before it (such as subnet, pool, host or group)",
          );
        }
        return this.block(first, index);
      }
    }
  }

  private block(first: number, open: number): SourceBlock {
    const block = new SourceBlock(this.table, first, open, -1, -1);
    block.body = this.body(block, this.isSwitch(first));
    block.closeIndex = this.pos;
    this.pos += 1;
    if (this.table.isPunct(this.pos, SEMI)) {
      block.semiIndex = this.pos;
      this.pos += 1;
    }
    return block;
  }

  /** `= { type, type }` in an option definition: tokens up to the matching `}`. */
  private bracedValue(open: number): void {
    const { table } = this;
    while (true) {
      const index = this.pos;
      if (table.kinds[index] === EOF || table.isPunct(index, SEMI) || table.isPunct(index, OPEN)) {
        throw this.error(table.token(open), "this '{' in a value is never closed: add a '}' before the ';'");
      }
      this.pos += 1;
      if (table.isPunct(index, CLOSE)) return;
    }
  }

  /** Whether the block whose header starts at token `first` is a `switch` (its body holds labels). */
  private isSwitch(first: number): boolean {
    const { table } = this;
    return table.ends[first] - table.starts[first] === 6 && table.text(first).toLowerCase() === 'switch';
  }

  private isLabelStart(index: number): boolean {
    return /^(case|default:?)$/i.test(this.table.text(index));
  }

  private label(): LabelNode {
    const { table } = this;
    const tokens: Token[] = [];
    while (true) {
      const index = this.pos;
      const token = table.token(index);
      if (table.kinds[index] === EOF || (table.kinds[index] === PUNCT && /^[;{}]$/.test(token.text))) {
        throw this.error(token, `missing ':' after "${describe(tokens)}"`);
      }
      this.pos += 1;
      tokens.push(token);
      if (table.kinds[index] === WORD && token.text.charCodeAt(token.text.length - 1) === COLON) {
        return { kind: 'label', tokens };
      }
    }
  }

  /** A statement from `first` that reached `at` (a `}` or the end) without its `;`. */
  private missingSemicolon(first: number, at: number, where: string): DhcpdConfSyntaxError {
    if (at === first) {
      return this.error(this.table.token(Math.max(0, at - 1)), `unexpected end of a statement (${where})`);
    }
    const tokens = this.table.tokens(first, at - 1);
    const end = endOf(tokens[tokens.length - 1]);
    return new DhcpdConfSyntaxError(
      this.path,
      end.line,
      end.column,
      `missing ';' after "${describe(tokens)}" (${where})`,
    );
  }

  private error(token: Token, message: string): DhcpdConfSyntaxError {
    return new DhcpdConfSyntaxError(this.path, token.line ?? 0, token.column ?? 0, message);
  }
}

/** The line and column just after `token`. */
function endOf(token: Token): { line: number; column: number } {
  const line = token.line ?? 0;
  const column = token.column ?? 0;
  const newlines = token.text.split('\n');
  if (newlines.length === 1) return { line, column: column + token.text.length };
  return { line: line + newlines.length - 1, column: newlines[newlines.length - 1].length + 1 };
}

/** The start of a statement as a human would quote it in a message. */
function describe(tokens: Token[]): string {
  // A key's secret (every token after `secret`, `=` padding included) is not quoted.
  const secret = tokens.findIndex((token) => token.text.toLowerCase() === 'secret');
  const shown = secret < 0 || secret === tokens.length - 1 ? tokens : tokens.slice(0, secret + 1);
  const words = shown.map((token) => token.text);
  if (shown.length < tokens.length) words.push(REDACTED);
  const text = words.join(' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
