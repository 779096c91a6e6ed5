import { tokenize } from './lexer.js';
import { parseNodes } from './parser.js';
import {
  endToken,
  firstToken,
  isFile,
  type BlockNode,
  type ConfFile,
  type ConfNode,
  type Container,
  type StatementNode,
} from './syntax-tree.js';

/**
 * Edits on the syntax tree that touch only the lines they must: a removed node takes its own lines (and its
 * same-line comment) with it, an inserted node gets the indentation and newline style of its siblings, and a changed
 * value keeps the spacing in front of it.
 */

/** A statement (its text; `;` is added when missing) or a block with its header and body, to insert. */
export type NodeSpec = string | { header: string; body: NodeSpec[] };

export interface Layout {
  newline: string;
  /** Indentation of the nodes in the container. */
  indent: string;
  /** One level of indentation as this file writes it. */
  unit: string;
}

/** Renders a spec at `indent`, as the text of one node. */
export function render(spec: NodeSpec, indent: string, layout: Layout): string {
  if (typeof spec === 'string') return /[;}]$/.test(spec) ? spec : `${spec};`;
  const inner = indent + layout.unit;
  const body = spec.body.map((child) => layout.newline + inner + render(child, inner, layout)).join('');
  return `${spec.header} {${body}${layout.newline}${indent}}`;
}

/** Inserts nodes at `index` of `container`'s body, laid out like their siblings; returns the new nodes. */
export function insertNodes(
  file: ConfFile,
  container: Container,
  index: number,
  specs: NodeSpec[],
): ConfNode[] {
  const inserted: ConfNode[] = [];
  specs.forEach((spec, offset) => inserted.push(insertNode(file, container, index + offset, spec)));
  return inserted;
}

function insertNode(file: ConfFile, container: Container, index: number, spec: NodeSpec): ConfNode {
  const layout = layoutAt(file, container, index);
  const nodes = parseNodes(render(spec, layout.indent, layout));
  if (nodes.length !== 1) throw new Error(`expected one node to insert, got ${nodes.length}`);
  const node = nodes[0];
  const next = index < container.body.length ? firstToken(container.body[index]) : endToken(container);
  const trailing = next.before;
  const breakAt = lineBreakStart(trailing, 'first');
  // A block put in front of a node set off by a blank line is set off the same way (a peer declaration before the
  // first subnet), whatever the statements before it do.
  const blankAhead = typeof spec !== 'string' && breakAt >= 0 && blankLines(trailing.slice(breakAt)) > 0;
  const separation = layout.newline.repeat(blankAhead ? 2 : blankLinesBefore(container, index));
  if (breakAt >= 0) {
    // The part before the first line break is the previous node's same-line comment: it stays with that node.
    firstToken(node).before = trailing.slice(0, breakAt) + separation + layout.indent;
    next.before = trailing.slice(breakAt);
  } else if (
    !isFile(container) &&
    container.body.length > 0 &&
    !hasLineBreak(firstToken(container.body[0]).before)
  ) {
    // A block written on one line (`{ a; b; }`) stays on one line.
    firstToken(node).before = ' ';
  } else {
    firstToken(node).before = trailing + (index === 0 && isFile(container) ? '' : separation) + layout.indent;
    next.before = isFile(container) ? layout.newline : layout.newline + indentOf(firstToken(container));
  }
  container.body.splice(index, 0, node);
  return node;
}

/** Removes a node with its own lines; comments on the lines above it stay. */
export function removeNode(container: Container, node: ConfNode): void {
  const index = container.body.indexOf(node);
  if (index < 0) throw new Error('node is not in this container');
  const next =
    index + 1 < container.body.length ? firstToken(container.body[index + 1]) : endToken(container);
  const leading = firstToken(node).before;
  const trailing = next.before;
  const leadBreak = lineBreakStart(leading, 'last');
  const trailBreak = lineBreakStart(trailing, 'first');
  if (
    leadBreak < 0 &&
    index === 0 &&
    isFile(container) &&
    container.body.length > 1 &&
    /^[ \t]*$/.test(leading)
  ) {
    // The file's first node: the next one starts the file, without the blank lines that separated them.
    next.before = trailing.replace(/^(?:[ \t]*\r?\n)+/, '');
  } else if (leadBreak < 0) {
    next.before = trailing;
  } else if (trailBreak < 0) {
    next.before = leading;
  } else {
    let kept = leading.slice(0, leadBreak);
    const rest = trailing.slice(trailBreak);
    // A blank line on both sides of the removed node would become two; keep one.
    if ((kept === '' || /\n[ \t]*$/.test(kept)) && /^\r?\n[ \t]*\r?\n/.test(rest)) {
      kept = kept.slice(0, Math.max(0, lineBreakStart(kept, 'last')));
    }
    // The file's last node: the blank lines that separated it from the one before go too.
    if (isFile(container) && index === container.body.length - 1 && /^\s*$/.test(rest)) {
      kept = kept.replace(/(?:\r?\n[ \t]*)+$/, '');
    }
    next.before = kept + rest;
  }
  container.body.splice(index, 1);
}

/** Replaces a node by a new one at the same place, keeping the trivia in front of it. */
export function replaceNode(file: ConfFile, container: Container, node: ConfNode, spec: NodeSpec): ConfNode {
  const index = container.body.indexOf(node);
  if (index < 0) throw new Error('node is not in this container');
  const layout = layoutAt(file, container, index);
  const indent = indentOf(firstToken(node));
  const nodes = parseNodes(
    render(spec, hasLineBreak(firstToken(node).before) ? indent : layout.indent, layout),
  );
  const replacement = nodes[0];
  firstToken(replacement).before = firstToken(node).before;
  container.body[index] = replacement;
  return replacement;
}

/** Replaces a statement's tokens from `from` on with `text`, keeping the spacing before the first replaced one. */
export function setStatementTokens(statement: StatementNode, from: number, text: string): void {
  // Plain tokens without a position: they come from no file a message could point to.
  const tokens = tokenize(text, '(generated)');
  const first = tokens[0];
  if (first) first.before = statement.tokens[from]?.before ?? ' ';
  statement.tokens.splice(from, statement.tokens.length - from, ...tokens);
}

/** The layout a node inserted at `index` of `container` should have. */
export function layoutAt(file: ConfFile, container: Container, index: number): Layout {
  const outer = isFile(container) ? undefined : indentOf(firstToken(container));
  const siblings = [container.body[index - 1], container.body[index], ...container.body].filter(
    (node) => node !== undefined,
  );
  const aligned = siblings.find((node) => hasLineBreak(firstToken(node).before));
  const alignedIndent = aligned ? indentOf(firstToken(aligned)) : undefined;
  // The unit this block uses wins over the file's first guess (files mix styles).
  const local =
    outer !== undefined && alignedIndent?.startsWith(outer) && alignedIndent.length > outer.length
      ? alignedIndent.slice(outer.length)
      : undefined;
  const unit = local ?? indentUnit(file);
  const indent = alignedIndent ?? (outer === undefined ? '' : outer + unit);
  return { newline: file.newline, indent, unit };
}

/** The file's indentation unit: the first difference between a block's indentation and its children's. */
export function indentUnit(file: ConfFile): string {
  const search = (body: ConfNode[]): string | undefined => {
    for (const node of body) {
      if (node.kind !== 'block') continue;
      const outer = indentOf(firstToken(node));
      const child = node.body.find((inner) => hasLineBreak(firstToken(inner).before));
      if (child) {
        const inner = indentOf(firstToken(child));
        if (inner.startsWith(outer) && inner.length > outer.length) return inner.slice(outer.length);
      }
      const deeper = search(node.body);
      if (deeper) return deeper;
    }
    return undefined;
  };
  return search(file.body) ?? '  ';
}

/** The whitespace after the last line break of a token's trivia (its indentation when it starts a line). */
export function indentOf(token: { before: string }): string {
  const match = /\n([ \t]*)$/.exec(token.before);
  return match ? match[1] : '';
}

/** One blank line before an inserted node when the sibling before it has one (top-level declarations usually do). */
function blankLinesBefore(container: Container, index: number): number {
  // The first node's trivia follows the `{` or the start of the file, so it says nothing about separation.
  const sample = index >= 2 ? container.body[index - 1] : container.body[index];
  if (index === 0 || !sample) return 1;
  return blankLines(firstToken(sample).before) > 0 ? 2 : 1;
}

/** Blank lines in leading whitespace (`\n\n  ` holds one). */
function blankLines(text: string): number {
  const leading = /^[ \t\r\n]*/.exec(text)?.[0] ?? '';
  return Math.max(0, (leading.match(/\n/g)?.length ?? 0) - 1);
}

function hasLineBreak(text: string): boolean {
  return text.includes('\n');
}

/** Index where the first or last line break (`\n` or `\r\n`) of `text` starts, or -1. */
function lineBreakStart(text: string, which: 'first' | 'last'): number {
  const at = which === 'first' ? text.indexOf('\n') : text.lastIndexOf('\n');
  if (at < 0) return -1;
  return at > 0 && text[at - 1] === '\r' ? at - 1 : at;
}

export function blockOf(node: ConfNode): BlockNode | undefined {
  return node.kind === 'block' ? node : undefined;
}
