/**
 * The concrete syntax tree of a dhcpd.conf file. Every byte of the input lives in exactly one token: a token's
 * `before` holds the whitespace and comments in front of it, so printing the tokens in order gives the input back.
 * The grammar is generic (statements end in `;`, blocks are `<header> { ... }`); meaning is given by the layers on
 * top (subnets, pools, hosts, peers), so any dhcpd.conf that balances parses, whatever its keywords.
 */
export type TokenKind = 'word' | 'string' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The token as written; a string keeps its quotes and escapes. */
  text: string;
  /** Whitespace and `#` comments between the previous token and this one. */
  before: string;
  /** 1-based position of the token's first character; absent on tokens an edit created. */
  line?: number;
  column?: number;
}

/** `<tokens> ;` — tokens may include a braced value, e.g. `option foo code 224 = { ip-address, text };`. */
export interface StatementNode {
  kind: 'statement';
  tokens: Token[];
  semi: Token;
}

/** `<header> { <body> }`, optionally followed by `;` (dhcpd tolerates `};` after some declarations). */
export interface BlockNode {
  kind: 'block';
  header: Token[];
  open: Token;
  body: ConfNode[];
  close: Token;
  semi?: Token;
}

/** `case <expr>:` or `default:` inside a `switch` block: ends in `:`, not `;`. */
export interface LabelNode {
  kind: 'label';
  tokens: Token[];
}

export type ConfNode = StatementNode | BlockNode | LabelNode;

export interface ConfFile {
  /** Where the file was read from; error messages and include resolution use it. */
  path: string;
  body: ConfNode[];
  /** Holds the trivia after the last node (its `text` is empty). */
  eof: Token;
  /** The file's newline style, for inserted lines. */
  newline: '\n' | '\r\n';
}

/** Something that holds a body of nodes: a block or a whole file. */
export type Container = BlockNode | ConfFile;

export function isFile(container: Container): container is ConfFile {
  return 'eof' in container;
}

/** The token that follows a container's last node: the closing brace, or the end of the file. */
export function endToken(container: Container): Token {
  return isFile(container) ? container.eof : container.close;
}

export function firstToken(node: ConfNode): Token {
  if (node.kind === 'block') return node.header[0] ?? node.open;
  return node.tokens[0] ?? (node as StatementNode).semi;
}

export function lastToken(node: ConfNode): Token {
  if (node.kind === 'block') return node.semi ?? node.close;
  if (node.kind === 'label') return node.tokens[node.tokens.length - 1];
  return node.semi;
}

/** Every token of a node, in order. */
export function nodeTokens(node: ConfNode): Token[] {
  if (node.kind === 'statement') return [...node.tokens, node.semi];
  if (node.kind === 'label') return [...node.tokens];
  const tokens = [...node.header, node.open];
  for (const child of node.body) tokens.push(...nodeTokens(child));
  tokens.push(node.close);
  if (node.semi) tokens.push(node.semi);
  return tokens;
}

/** A string token's value with dhcpd's escapes resolved (`\"`, `\\`, `\n`, `\t`, `\r`, octal and `\x` hex). */
export function unquote(text: string): string {
  const inner = text.startsWith('"')
    ? text.slice(1, text.endsWith('"') && text.length > 1 ? -1 : undefined)
    : text;
  return inner.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/gs, (_match, escape: string) => {
    if (escape.startsWith('x') && escape.length > 1)
      return String.fromCharCode(parseInt(escape.slice(1), 16));
    if (/^[0-7]/.test(escape)) return String.fromCharCode(parseInt(escape, 8));
    return { n: '\n', t: '\t', r: '\r', b: '\b' }[escape] ?? escape;
  });
}

/** A dhcpd string literal for `value`. */
export function quote(value: string): string {
  return `"${value
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')}"`;
}

/** A token's value: strings unquoted, words as written. */
export function tokenValue(token: Token): string {
  return token.kind === 'string' ? unquote(token.text) : token.text;
}
