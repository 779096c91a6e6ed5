import { DhcpdConfSyntaxError } from './syntax-error.js';
import type { Token } from './syntax-tree.js';
import { EOF, KIND_NAMES, positionOf, PUNCT, STRING, TokenTable, WORD } from './token-table.js';

// Character classes by char code (the lexer scans codes, not one-character strings). Codes above 127 are word
// characters, like every code not listed here.
const HASH = 0x23;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
const TILDE = 0x7e;
const BANG = 0x21;
/** Whitespace: space, \t, \r, \n, \f, \v. */
const SPACE_CLASS = 1;
/** Single-character punctuation that ends a word: `; { } , ( ) = ! ~`. */
const PUNCT_CLASS = 2;
/** Ends a word without being punctuation: `#` starts a comment, `"` a string. */
const STOP_CLASS = 4;
const CLASS = new Uint8Array(128);
for (const char of ' \t\r\n\f\v') CLASS[char.charCodeAt(0)] = SPACE_CLASS;
for (const char of ';{},()=!~') CLASS[char.charCodeAt(0)] = PUNCT_CLASS;
CLASS[HASH] = STOP_CLASS;
CLASS[QUOTE] = STOP_CLASS;

/**
 * Splits dhcpd.conf text into tokens, as offsets (see {@link TokenTable}). Words are runs of anything that is not
 * whitespace, a comment, a string or punctuation, which covers dhcpd's names, numbers, dotted quads,
 * colon-separated hex and IPv6 addresses without knowing which is which.
 */
export function scan(text: string, file: string): TokenTable {
  // Growable columns; a dhcpd.conf has about one token per 8 characters.
  let capacity = Math.max(64, text.length >> 3);
  let kinds = new Uint8Array(capacity);
  let starts = new Int32Array(capacity);
  let ends = new Int32Array(capacity);
  let count = 0;
  lex(text, file, (kind, start, end) => {
    if (count === capacity) {
      capacity *= 2;
      kinds = grow(kinds, new Uint8Array(capacity));
      starts = grow(starts, new Int32Array(capacity));
      ends = grow(ends, new Int32Array(capacity));
    }
    kinds[count] = kind;
    starts[count] = start;
    ends[count] = end;
    count += 1;
  });
  return new TokenTable(text, file, kinds, starts, ends, count);
}

/**
 * The tokens of a small text an edit puts in (a new value), as plain token objects without a position: they come
 * from no file a message could point to. No token table is made for them (its columns cost more than the tokens).
 */
export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let previousEnd = 0;
  lex(text, file, (kind, start, end) => {
    if (kind !== EOF) {
      tokens.push({
        kind: KIND_NAMES[kind],
        text: text.slice(start, end),
        before: text.slice(previousEnd, start),
      });
    }
    previousEnd = end;
  });
  return tokens;
}

/** The lexer proper: calls `push` with each token's kind and offsets, the `eof` token last. */
function lex(text: string, file: string, push: (kind: number, start: number, end: number) => void): void {
  const length = text.length;
  let pos = 0;
  while (true) {
    while (pos < length) {
      const code = text.charCodeAt(pos);
      if (code < 128 && CLASS[code] === SPACE_CLASS) {
        pos += 1;
      } else if (code === HASH) {
        const end = text.indexOf('\n', pos);
        pos = end === -1 ? length : end;
      } else {
        break;
      }
    }
    if (pos >= length) {
      push(EOF, length, length);
      return;
    }
    const code = text.charCodeAt(pos);
    if (code === QUOTE) {
      let end = pos + 1;
      while (end < length) {
        const inner = text.charCodeAt(end);
        if (inner === QUOTE) break;
        end += inner === BACKSLASH ? 2 : 1;
      }
      if (end >= length) {
        const { line, column } = positionOf(text, pos);
        throw new DhcpdConfSyntaxError(file, line, column, "unterminated string: add the closing '\"'");
      }
      push(STRING, pos, end + 1);
      pos = end + 1;
    } else if (code < 128 && CLASS[code] === PUNCT_CLASS) {
      // dhcp-eval's two-character operators: != ~= ~~
      const next = pos + 1 < length ? text.charCodeAt(pos + 1) : -1;
      const pair =
        (code === BANG || code === TILDE) && (next === EQUALS || (code === TILDE && next === TILDE));
      const size = pair ? 2 : 1;
      push(PUNCT, pos, pos + size);
      pos += size;
    } else {
      let end = pos + 1;
      while (end < length) {
        const next = text.charCodeAt(end);
        if (next < 128 && CLASS[next] !== 0) break;
        end += 1;
      }
      push(WORD, pos, end);
      pos = end;
    }
  }
}

function grow<T extends Uint8Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
