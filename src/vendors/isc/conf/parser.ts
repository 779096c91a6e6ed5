/**
 * dhcpd.conf parser (ISC dhcpd 4.4). Hand-written: there is no maintained lossless dhcpd.conf parser on npm, and the
 * ones that exist drop comments and spacing, which we must keep to print back a file we did not change byte for byte.
 *
 * The grammar is dhcpd's outer shape only: a statement is tokens ending in `;`, a block is header tokens followed by
 * `{ ... }` (optionally `};`), blocks nest, `switch` bodies hold `case ...:` / `default:` labels, and an option
 * definition may carry a braced record type after `=`. Keywords are not checked here (`dhcpd -t` does that); the
 * semantic layers check the statements they interpret.
 */
import { endOf, tokenize } from './lexer.js';
import { DhcpdConfSyntaxError } from './syntax-error.js';
import type { BlockNode, ConfFile, ConfNode, LabelNode, StatementNode, Token } from './syntax-tree.js';

export function parse(text: string, path = 'dhcpd.conf'): ConfFile {
  const parser = new Parser(tokenize(text, path), path);
  const body = parser.body(undefined);
  return { path, body, eof: parser.eof(), newline: text.includes('\r\n') ? '\r\n' : '\n' };
}

/** Parses a piece of configuration (for inserting new statements and blocks) into nodes. */
export function parseNodes(text: string, path = '(generated)'): ConfNode[] {
  return parse(text, path).body;
}

class Parser {
  private pos = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly path: string,
  ) {}

  eof(): Token {
    return this.tokens[this.tokens.length - 1];
  }

  body(parent: BlockNode | undefined): ConfNode[] {
    const nodes: ConfNode[] = [];
    const inSwitch = parent?.header[0]?.text.toLowerCase() === 'switch';
    while (true) {
      const token = this.peek();
      if (token.kind === 'eof') {
        if (parent) {
          throw this.error(
            parent.open,
            `the '{' of "${describe(parent.header)}" is never closed: add a '}' (the file ends first)`,
          );
        }
        return nodes;
      }
      if (isPunct(token, '}')) {
        if (!parent) throw this.error(token, "unexpected '}': no block is open here");
        return nodes;
      }
      if (isPunct(token, ';')) {
        throw this.error(token, "unexpected ';': there is no statement before it");
      }
      nodes.push(this.item(inSwitch));
    }
  }

  private item(inSwitch: boolean): ConfNode {
    const tokens: Token[] = [];
    if (inSwitch && /^(case|default:?)$/i.test(this.peek().text)) return this.label();
    while (true) {
      const token = this.next();
      if (token.kind === 'eof') {
        throw this.missingSemicolon(tokens, 'the file ends');
      }
      if (isPunct(token, '}')) {
        throw this.missingSemicolon(tokens, `before the '}' on line ${token.line}`);
      }
      if (isPunct(token, ';')) {
        return { kind: 'statement', tokens, semi: token } satisfies StatementNode;
      }
      if (isPunct(token, '{')) {
        const previous = tokens[tokens.length - 1];
        if (previous && isPunct(previous, '=')) {
          tokens.push(token, ...this.bracedValue(token));
          continue;
        }
        if (!previous) {
          throw this.error(token, "'{' with no declaration before it (such as subnet, pool, host or group)");
        }
        return this.block(tokens, token);
      }
      tokens.push(token);
    }
  }

  private block(header: Token[], open: Token): BlockNode {
    const block: BlockNode = { kind: 'block', header, open, body: [], close: open };
    block.body = this.body(block);
    block.close = this.next();
    if (isPunct(this.peek(), ';')) block.semi = this.next();
    return block;
  }

  /** `= { type, type }` in an option definition: tokens up to the matching `}`. */
  private bracedValue(open: Token): Token[] {
    const tokens: Token[] = [];
    while (true) {
      const token = this.next();
      if (token.kind === 'eof' || isPunct(token, ';') || isPunct(token, '{')) {
        throw this.error(open, "this '{' in a value is never closed: add a '}' before the ';'");
      }
      tokens.push(token);
      if (isPunct(token, '}')) return tokens;
    }
  }

  private label(): LabelNode {
    const tokens: Token[] = [];
    while (true) {
      const token = this.next();
      if (token.kind === 'eof' || isPunct(token, ';') || isPunct(token, '{') || isPunct(token, '}')) {
        throw this.error(token, `missing ':' after "${describe(tokens)}"`);
      }
      tokens.push(token);
      if (token.kind === 'word' && token.text.endsWith(':')) return { kind: 'label', tokens };
    }
  }

  private missingSemicolon(tokens: Token[], where: string): DhcpdConfSyntaxError {
    const last = tokens[tokens.length - 1];
    if (!last) return this.error(this.tokens[this.pos - 1], `unexpected end of a statement (${where})`);
    const end = endOf(last);
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

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const token = this.tokens[this.pos];
    if (token.kind !== 'eof') this.pos += 1;
    return token;
  }
}

function isPunct(token: Token, text: string): boolean {
  return token.kind === 'punct' && token.text === text;
}

/** The start of a statement as a human would quote it in a message. */
function describe(tokens: Token[]): string {
  const text = tokens.map((token) => token.text).join(' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
