import { DhcpdConfSyntaxError } from './syntax-error.js';
import type { Token } from './syntax-tree.js';

/** Single-character punctuation that ends a word. */
const PUNCT = new Set([';', '{', '}', ',', '(', ')', '=', '!', '~']);
/** dhcp-eval's two-character operators. */
const OPERATORS = new Set(['!=', '~=', '~~']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n', '\f', '\v']);

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

  while (true) {
    const triviaStart = pos;
    while (pos < length) {
      const char = text[pos];
      if (char === '\n') {
        pos += 1;
        line += 1;
        lineStart = pos;
      } else if (WHITESPACE.has(char)) {
        pos += 1;
      } else if (char === '#') {
        const end = text.indexOf('\n', pos);
        pos = end === -1 ? length : end;
      } else {
        break;
      }
    }
    const before = text.slice(triviaStart, pos);
    const tokenLine = line;
    const column = pos - lineStart + 1;
    if (pos >= length) {
      tokens.push({ kind: 'eof', text: '', before, line: tokenLine, column });
      return tokens;
    }
    const char = text[pos];
    if (char === '"') {
      let end = pos + 1;
      while (end < length && text[end] !== '"') {
        if (text[end] === '\\') end += 1;
        if (text[end] === '\n') {
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
    } else if (PUNCT.has(char)) {
      const pair = text.slice(pos, pos + 2);
      const punct = OPERATORS.has(pair) ? pair : char;
      tokens.push({ kind: 'punct', text: punct, before, line: tokenLine, column });
      pos += punct.length;
    } else {
      let end = pos + 1;
      while (end < length) {
        const next = text[end];
        if (WHITESPACE.has(next) || PUNCT.has(next) || next === '#' || next === '"') break;
        end += 1;
      }
      tokens.push({ kind: 'word', text: text.slice(pos, end), before, line: tokenLine, column });
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
