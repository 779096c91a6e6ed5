import { DhcpdConfSyntaxError } from './syntax-error.js';
import type { Token } from './syntax-tree.js';

// Character classes by char code (the lexer scans codes, not one-character strings). Codes above 127 are word
// characters, like every code not listed here.
const NEWLINE = 0x0a;
const HASH = 0x23;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
const TILDE = 0x7e;
const BANG = 0x21;
const SPACE_CODE = 0x20;
/** Whitespace: space, \t, \r, \n, \f, \v. */
const SPACE = 1;
/** Single-character punctuation that ends a word: `; { } , ( ) = ! ~`. */
const PUNCT = 2;
/** Ends a word without being punctuation: `#` starts a comment, `"` a string. */
const STOP = 4;
const CLASS = new Uint8Array(128);
for (const char of ' \t\r\n\f\v') CLASS[char.charCodeAt(0)] = SPACE;
for (const char of ';{},()=!~') CLASS[char.charCodeAt(0)] = PUNCT;
CLASS[HASH] = STOP;
CLASS[QUOTE] = STOP;

/**
 * Interning (fewer strings to allocate and collect on large files; the strings are equal either way): trivia that is
 * a newline followed by up to 64 spaces (the usual indentation), and words from a small direct-mapped cache, which
 * keeps the keywords and repeated values of a file.
 */
const INDENTS = Array.from({ length: 65 }, (_, spaces) => `\n${' '.repeat(spaces)}`);
const WORD_CACHE_SIZE = 4096;
const MAX_CACHED_WORD = 32;

function trivia(text: string, start: number, end: number): string {
  const size = end - start;
  if (size === 0) return '';
  if (size <= INDENTS.length && text.charCodeAt(start) === NEWLINE) {
    let at = start + 1;
    while (at < end && text.charCodeAt(at) === SPACE_CODE) at += 1;
    if (at === end) return INDENTS[size - 1];
  }
  return text.slice(start, end);
}

/** Whether the code ends a word (whitespace, punctuation, `#` or `"`). */
function endsWord(code: number): boolean {
  return code < 128 && CLASS[code] !== 0;
}

/**
 * Splits dhcpd.conf text into tokens, each carrying the whitespace and comments before it. Words are runs of
 * anything that is not whitespace, a comment, a string or punctuation, which covers dhcpd's names, numbers,
 * dotted quads, colon-separated hex and IPv6 addresses without knowing which is which.
 */
export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  const length = text.length;
  const words: Array<string | undefined> = new Array<string | undefined>(WORD_CACHE_SIZE);

  while (true) {
    const triviaStart = pos;
    while (pos < length) {
      const code = text.charCodeAt(pos);
      if (code === NEWLINE) {
        pos += 1;
        line += 1;
        lineStart = pos;
      } else if (code < 128 && CLASS[code] === SPACE) {
        pos += 1;
      } else if (code === HASH) {
        const end = text.indexOf('\n', pos);
        pos = end === -1 ? length : end;
      } else {
        break;
      }
    }
    const before = trivia(text, triviaStart, pos);
    const tokenLine = line;
    const column = pos - lineStart + 1;
    if (pos >= length) {
      tokens.push({ kind: 'eof', text: '', before, line: tokenLine, column });
      return tokens;
    }
    const code = text.charCodeAt(pos);
    if (code === QUOTE) {
      let end = pos + 1;
      while (end < length) {
        let inner = text.charCodeAt(end);
        if (inner === QUOTE) break;
        if (inner === BACKSLASH) {
          end += 1;
          inner = text.charCodeAt(end);
        }
        if (inner === NEWLINE) {
          line += 1;
          lineStart = end + 1;
        }
        end += 1;
      }
      if (end >= length) {
        throw new DhcpdConfSyntaxError(file, tokenLine, column, "unterminated string: add the closing '\"'");
      }
      tokens.push({ kind: 'string', text: text.slice(pos, end + 1), before, line: tokenLine, column });
      pos = end + 1;
    } else if (code < 128 && CLASS[code] === PUNCT) {
      // dhcp-eval's two-character operators: != ~= ~~
      const next = pos + 1 < length ? text.charCodeAt(pos + 1) : -1;
      const pair =
        (code === BANG || code === TILDE) && (next === EQUALS || (code === TILDE && next === TILDE));
      const size = pair ? 2 : 1;
      tokens.push({ kind: 'punct', text: text.slice(pos, pos + size), before, line: tokenLine, column });
      pos += size;
    } else {
      let end = pos + 1;
      let hash = code;
      while (end < length) {
        const next = text.charCodeAt(end);
        if (endsWord(next)) break;
        hash = (hash * 31 + next) | 0;
        end += 1;
      }
      let word: string | undefined;
      if (end - pos <= MAX_CACHED_WORD) {
        const slot = hash & (WORD_CACHE_SIZE - 1);
        word = words[slot];
        if (word === undefined || word.length !== end - pos || !text.startsWith(word, pos)) {
          word = text.slice(pos, end);
          words[slot] = word;
        }
      } else {
        word = text.slice(pos, end);
      }
      tokens.push({ kind: 'word', text: word, before, line: tokenLine, column });
      pos = end;
    }
  }
}

/** The line and column just after `token` (for "missing ';' after ..." messages). */
export function endOf(token: Token): { line: number; column: number } {
  const line = token.line ?? 0;
  const column = token.column ?? 0;
  const newlines = token.text.split('\n');
  if (newlines.length === 1) return { line, column: column + token.text.length };
  return { line: line + newlines.length - 1, column: newlines[newlines.length - 1].length + 1 };
}
