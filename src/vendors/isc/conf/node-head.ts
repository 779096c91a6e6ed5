import { SourceBlock, SourceStatement } from './source-nodes.js';
import { nodeTokens, unquote, type ConfNode, type Token, type TokenKind } from './syntax-tree.js';
import { KIND_NAMES, STRING, WORD } from './token-table.js';

/**
 * A node's head: a statement's tokens before the `;`, a block's header, a label's tokens. Read here without making
 * token objects when the node is as parsed (pristine): the token table answers from its offsets. The mapping looks
 * at every node of a file (keywords, then the values of the statements it models), and making, keeping and
 * collecting an object per token of a large file is what it would otherwise spend most of its time on. A node an
 * edit touched has its token objects, and they are what is read then.
 */
type Pristine = SourceStatement | SourceBlock;

function pristine(node: ConfNode): Pristine | undefined {
  return (node instanceof SourceStatement || node instanceof SourceBlock) && node.pristine ? node : undefined;
}

function tokensOf(node: ConfNode): Token[] {
  return node.kind === 'block' ? node.header : node.tokens;
}

export function headLength(node: ConfNode): number {
  const source = pristine(node);
  return source ? source.headLength : tokensOf(node).length;
}

/** Token `index` of the head's kind, or undefined past its end. */
export function headKind(node: ConfNode, index: number): TokenKind | undefined {
  const source = pristine(node);
  if (source)
    return index < source.headLength ? KIND_NAMES[source.table.kinds[source.first + index]] : undefined;
  return tokensOf(node)[index]?.kind;
}

/** Token `index` of the head as written (a string with its quotes), or undefined past its end. */
export function headText(node: ConfNode, index: number): string | undefined {
  const source = pristine(node);
  if (source) return index < source.headLength ? source.table.text(source.first + index) : undefined;
  return tokensOf(node)[index]?.text;
}

/** The trivia in front of token `index` of the head. */
export function headBefore(node: ConfNode, index: number): string | undefined {
  const source = pristine(node);
  if (source) return index < source.headLength ? source.table.before(source.first + index) : undefined;
  return tokensOf(node)[index]?.before;
}

/** Token `index`'s value (tokenValue: strings unquoted, words as written). */
export function headValue(node: ConfNode, index: number): string | undefined {
  const text = headText(node, index);
  return text !== undefined && headKind(node, index) === 'string' ? unquote(text) : text;
}

/** Token `index` as headerWords reads it: a word lower-cased, a string unquoted. */
export function headWord(node: ConfNode, index: number): string | undefined {
  const text = headText(node, index);
  if (text === undefined) return undefined;
  const kind = headKind(node, index);
  return kind === 'word' ? lowerCased(text) : kind === 'string' ? unquote(text) : text;
}

/**
 * Whether the head begins with `keywords` as headerWords reads them (words without case, strings unquoted), token by
 * token, without making a word list or, for a pristine node, any string but a word that differs only in case.
 */
export function headStartsWith(node: ConfNode, keywords: readonly string[]): boolean {
  const source = pristine(node);
  if (!source) return tokensStartWith(tokensOf(node), keywords);
  if (source.headLength < keywords.length) return false;
  for (let offset = 0; offset < keywords.length; offset += 1) {
    if (!sourceWordIs(source, offset, keywords[offset])) return false;
  }
  return true;
}

/** headStartsWith for one to three keywords given one by one (no array made: see conf-walk's isBlock). */
export function headStartsWithWords(node: ConfNode, first: string, second?: string, third?: string): boolean {
  const source = pristine(node);
  if (!source) {
    const keywords =
      third !== undefined ? [first, second!, third] : second !== undefined ? [first, second] : [first];
    return tokensStartWith(tokensOf(node), keywords);
  }
  const count = third !== undefined ? 3 : second !== undefined ? 2 : 1;
  return (
    source.headLength >= count &&
    sourceWordIs(source, 0, first) &&
    (second === undefined || sourceWordIs(source, 1, second)) &&
    (third === undefined || sourceWordIs(source, 2, third))
  );
}

/** Whether head token `offset` of a pristine node reads as `keyword` (headWord's reading). */
function sourceWordIs(source: Pristine, offset: number, keyword: string): boolean {
  const { table } = source;
  const index = source.first + offset;
  const start = table.starts[index];
  const kind = table.kinds[index];
  if (kind === WORD) {
    return table.ends[index] - start === keyword.length && sameIgnoringCase(table.source, start, keyword);
  }
  if (kind === STRING) return unquote(table.text(index)) === keyword;
  return table.ends[index] - start === keyword.length && table.source.startsWith(keyword, start);
}

function tokensStartWith(tokens: readonly Token[], keywords: readonly string[]): boolean {
  if (tokens.length < keywords.length) return false;
  for (let index = 0; index < keywords.length; index += 1) {
    const token = tokens[index];
    const keyword = keywords[index];
    if (token.kind === 'word') {
      if (token.text !== keyword && token.text.toLowerCase() !== keyword) return false;
    } else if ((token.kind === 'string' ? unquote(token.text) : token.text) !== keyword) return false;
  }
  return true;
}

/** The lower-cased words of a statement or block header, strings unquoted (dhcpd keywords ignore case). */
export function headerWords(node: ConfNode): string[] {
  const words: string[] = [];
  const length = headLength(node);
  for (let index = 0; index < length; index += 1) words.push(headWord(node, index)!);
  return words;
}

/** The node's source text without the trivia in front of it (for reports such as `vendorExtras`). */
export function nodeText(node: ConfNode): string {
  if (node instanceof SourceStatement && node.pristine) {
    return node.table.source.slice(node.table.starts[node.first], node.sourceEnd());
  }
  const tokens = nodeTokens(node);
  return tokens.map((token, index) => (index === 0 ? token.text : token.before + token.text)).join('');
}

const UPPER_A = 0x41;
const UPPER_Z = 0x5a;

/**
 * Whether `source` holds `keyword` (lower case) at `start`, ASCII letters compared without case, as a lower-cased
 * word would compare (dhcpd's keywords are ASCII); no string is made, where lower-casing would make one per word.
 */
function sameIgnoringCase(source: string, start: number, keyword: string): boolean {
  for (let offset = 0; offset < keyword.length; offset += 1) {
    let code = source.charCodeAt(start + offset);
    if (code >= UPPER_A && code <= UPPER_Z) code += 0x20;
    if (code !== keyword.charCodeAt(offset)) return false;
  }
  return true;
}

/** `text.toLowerCase()`, without making a new string for a word that is lower case already (most are). */
export function lowerCased(text: string): string {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if ((code >= UPPER_A && code <= UPPER_Z) || code > 0x7f) return text.toLowerCase();
  }
  return text;
}
