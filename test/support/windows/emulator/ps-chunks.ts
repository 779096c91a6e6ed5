/**
 * Parsing a whole script fast enough for batches of tens of thousands of cmdlets. The script is cut where
 * `powershell -Command -` cuts it (empty lines outside strings); each chunk's literals (single-quoted strings and
 * standalone integers) are replaced by placeholders, and tree-sitter parses each distinct shape once. A shape is
 * used only if every placeholder came back as exactly one literal of the tree; otherwise (or when the chunk has
 * double quotes, comments, backticks or here-strings) the chunk itself is parsed. Quoting follows PowerShell's
 * tokenizer, which also takes the typographic quotes ‘ ’ ‚ ‛ as single quotes: a value whose quotes are not doubled
 * ends its string here exactly where it would on Windows, and the rest is parsed as code.
 */
import type { Parser } from 'web-tree-sitter';
import { type ParseFailure, parseScript, type Stmt } from './ps-syntax.js';

const QUOTES = new Set(["'", '\u2018', '\u2019', '\u201A', '\u201B']);
const BEFORE_NUMBER = new Set([' ', '\t', '(', '=', ',', ';', '{', '[', '+', '\n']);
const AFTER_NUMBER = new Set([' ', '\t', ')', ';', '}', ',', ']', '\n', '\r']);

interface Template {
  shape: string;
  values: (string | number)[];
  /** Offset in `shape` of each placeholder (ASCII shape: characters = bytes). */
  offsets: number[];
}

/** The chunk's shape and literal values, or undefined when the chunk must be parsed as it is. */
export function templateOf(text: string): Template | undefined {
  let shape = '';
  const values: (string | number)[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (QUOTES.has(c)) {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) return undefined;
        if (QUOTES.has(text[j])) {
          if (QUOTES.has(text[j + 1] ?? '')) {
            value += text[j + 1];
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      if (value.includes('\n')) return undefined;
      offsets.push(shape.length);
      values.push(value);
      shape += "''";
      i = j;
      continue;
    }
    if (c >= '0' && c <= '9' && BEFORE_NUMBER.has(text[i - 1] ?? '\n')) {
      let j = i;
      while (text[j] >= '0' && text[j] <= '9') j++;
      if (AFTER_NUMBER.has(text[j] ?? '\n') && j - i < 10) {
        offsets.push(shape.length);
        values.push(Number(text.slice(i, j)));
        shape += '0';
        i = j - 1;
        continue;
      }
    }
    if (c === '"' || c === '#' || c === '`' || (c === '@' && text[i + 1] === "'") || c.charCodeAt(0) > 127)
      return undefined;
    shape += c;
  }
  return { shape, values, offsets };
}

interface Chunk {
  text: string;
  /** 0-based line of the chunk's first line in the script. */
  line: number;
}

/** Cuts at empty lines that are not inside a single-quoted string. */
export function chunksOf(source: string): Chunk[] {
  const lines = source.split('\n');
  const chunks: Chunk[] = [];
  let current: string[] = [];
  let start = 0;
  let inString = false;
  lines.forEach((line, index) => {
    if (!inString && line.trim() === '') {
      if (current.length > 0) chunks.push({ text: current.join('\n'), line: start });
      current = [];
      start = index + 1;
      return;
    }
    current.push(line);
    for (let i = 0; i < line.length; i++) {
      if (!QUOTES.has(line[i])) continue;
      if (inString && QUOTES.has(line[i + 1] ?? '')) i++;
      else inString = !inString;
    }
  });
  if (current.length > 0) chunks.push({ text: current.join('\n'), line: start });
  return chunks;
}

type Parsed = { program: Stmt[]; exact: boolean } | { failure: ParseFailure };

/** A parsed script: its top-level statements as parsed shapes, made into statements only when they run. */
export interface ParsedScript {
  /** Each top-level statement's lines, in order (for the -Command - line rule). */
  lines: { line: number; endLine: number }[];
  /** The statement at `index` with its literals filled in. */
  statement(index: number): Stmt;
}

export class ScriptParser {
  private readonly shapes = new Map<string, Parsed>();
  constructor(private readonly parser: Parser) {}

  /** The whole script is parsed (and refused on any syntax error) before anything runs. */
  parse(source: string): ParsedScript | { failure: ParseFailure } {
    const lines = source.split('\n');
    const refs: { shape: Stmt; values: (string | number)[]; offset: number }[] = [];
    for (const chunk of chunksOf(source)) {
      const template = templateOf(chunk.text);
      let parsed: Parsed | undefined;
      let values: (string | number)[] = [];
      if (template) {
        parsed = this.shapes.get(template.shape);
        if (!parsed) {
          parsed = parseScript(this.parser, template.shape, new Map(template.offsets.map((o, i) => [o, i])));
          this.shapes.set(template.shape, parsed);
        }
        values = template.values;
        if ('program' in parsed && !parsed.exact) parsed = undefined;
      }
      parsed ??= parseScript(this.parser, chunk.text);
      if ('failure' in parsed) {
        const line = parsed.failure.line + chunk.line;
        return { failure: { ...parsed.failure, line, lineText: lines[line - 1] ?? '' } };
      }
      for (const shape of parsed.program) refs.push({ shape, values, offset: chunk.line });
    }
    return {
      lines: refs.map((r) => ({ line: r.shape.line + r.offset, endLine: r.shape.endLine + r.offset })),
      statement: (index) => {
        const r = refs[index];
        return instantiate(r.shape, r.values, r.offset) as Stmt;
      },
    };
  }
}

/** A copy of a parsed shape with its literals filled in and its lines moved to where the chunk is. */
function instantiate(node: unknown, values: (string | number)[], lineOffset: number): unknown {
  if (Array.isArray(node)) return node.map((n) => instantiate(n, values, lineOffset));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'line' || key === 'endLine') out[key] = (value as number) + lineOffset;
    else if (key === 'lit') out['v'] = values[value as number];
    else if (key !== 'v' || !('lit' in node)) out[key] = instantiate(value, values, lineOffset);
  }
  return out;
}
