/**
 * The PowerShell front: tree-sitter-powershell's concrete syntax tree turned into the small AST the interpreter
 * runs. Constructs outside the wire contract become `unsupported` nodes that fail when (and only when) they run,
 * so a script behaves like PowerShell up to the first thing the emulator does not know.
 */
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import { Language, type Node, Parser } from 'web-tree-sitter';

export type Expr =
  | { k: 'str'; v: string; lit?: number }
  | { k: 'num'; v: number; lit?: number }
  | { k: 'var'; name: string }
  | { k: 'member'; obj: Expr; name: string }
  | { k: 'call'; obj: Expr; name: string; args: Expr[] }
  | { k: 'static'; type: string; name: string; args: Expr[] }
  | { k: 'index'; obj: Expr; index: Expr }
  | { k: 'hash'; entries: { key: string; value: Stmt }[] }
  | { k: 'array'; body: Stmt[] }
  | { k: 'sub'; body: Stmt[] }
  | { k: 'paren'; body: Stmt }
  | { k: 'cast'; type: string; e: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'neg'; e: Expr }
  | { k: 'bin'; op: string; l: Expr; r: Expr }
  | { k: 'list'; items: Expr[] }
  | { k: 'block'; body: Stmt[] }
  | { k: 'unsupported'; what: string };

export type CmdArg = { k: 'param'; name: string; value?: Expr } | { k: 'value'; e: Expr };
export type PipeElem = { k: 'cmd'; name: string; args: CmdArg[] } | { k: 'expr'; e: Expr };

export type StmtBody =
  | { k: 'assign'; name: string; op: '=' | '+='; value: Stmt }
  | { k: 'pipe'; elems: PipeElem[] }
  | { k: 'try'; body: Stmt[]; handler: Stmt[] | undefined; fin: Stmt[] | undefined }
  | { k: 'foreach'; name: string; iter: Stmt; body: Stmt[] }
  | { k: 'if'; clauses: { cond: Stmt; body: Stmt[] }[]; otherwise: Stmt[] | undefined }
  | { k: 'unsupported'; what: string };
export type Stmt = { line: number; endLine: number } & StmtBody;

export interface ParseFailure {
  line: number;
  column: number;
  lineText: string;
  message: string;
  errorId: string;
}

let parser: Parser | undefined;

/** Loads the wasm grammar once per process. */
export async function loadParser(): Promise<Parser> {
  if (parser) return parser;
  const require = createRequire(import.meta.url);
  // V8 would otherwise optimise the grammar's 1 MB of wasm with TurboFan in the background, ~15 s of CPU that the
  // process then waits for at exit; the baseline compiler parses fast enough.
  v8.setFlagsFromString('--liftoff-only');
  await Parser.init();
  const language = await Language.load(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'));
  parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/** Byte offset of a placeholder literal in the parsed text → its index (see ps-chunks.ts), and which were used. */
let literalAt: Map<number, number> = new Map();
let literalsUsed = 0;

/**
 * Parses `source`. With `literals`, the source is a shape whose literals are placeholders: the AST then refers to
 * them by index, and `exact` says whether every placeholder became exactly one literal of the AST.
 */
export function parseScript(
  p: Parser,
  source: string,
  literals: Map<number, number> = new Map(),
): { program: Stmt[]; exact: boolean } | { failure: ParseFailure } {
  const tree = p.parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    const root = tree.rootNode;
    if (root.hasError) return { failure: describeError(root, source) };
    literalAt = literals;
    literalsUsed = 0;
    const program = statementList(root);
    return { program, exact: literalsUsed === literals.size };
  } finally {
    literalAt = new Map();
    tree.delete();
  }
}

function literalIndex(n: Node): number | undefined {
  const index = literalAt.get(n.startIndex);
  if (index !== undefined) literalsUsed++;
  return index;
}

function describeError(root: Node, source: string): ParseFailure {
  let bad: Node = root;
  for (;;) {
    const next = bad.children.find((c) => c && (c.isError || c.isMissing || c.hasError));
    if (!next) break;
    bad = next;
    if (next.isError || next.isMissing) break;
  }
  const { row, column } = bad.startPosition;
  const lineText = source.split('\n')[row] ?? '';
  if (bad.isMissing) {
    const closing = bad.type === '}' ? "Missing closing '}' in statement block or type definition." : null;
    return {
      line: row + 1,
      column: column + 1,
      lineText,
      message: closing ?? `Missing '${bad.type}' in statement.`,
      errorId: bad.type === '}' ? 'MissingEndCurlyBrace' : 'MissingToken',
    };
  }
  const token = bad.text.split('\n')[0].slice(0, 40);
  return {
    line: row + 1,
    column: column + 1,
    lineText,
    message: `Unexpected token '${token}' in expression or statement.`,
    errorId: 'UnexpectedToken',
  };
}

const kids = (n: Node): Node[] => n.children.filter((c): c is Node => c !== null);
const named = (n: Node): Node[] =>
  n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');

function statementList(n: Node): Stmt[] {
  const out: Stmt[] = [];
  for (const c of named(n)) {
    if (c.type === 'statement_list' || c.type === 'program') out.push(...statementList(c));
    else if (c.type !== 'empty_statement') out.push(statement(c));
  }
  return out;
}

function block(n: Node | undefined): Stmt[] {
  if (!n) return [];
  const list = named(n).find((c) => c.type === 'statement_list' || c.type === 'script_block_body');
  return list ? statementList(list.type === 'script_block_body' ? named(list)[0] : list) : [];
}

function statement(n: Node): Stmt {
  const pos = { line: n.startPosition.row + 1, endLine: n.endPosition.row + 1 };
  switch (n.type) {
    case 'pipeline':
      return { ...pos, ...pipeline(n) };
    case 'try_statement': {
      const parts = named(n);
      const catches = parts.find((c) => c.type === 'catch_clauses');
      const clauses = catches ? named(catches) : [];
      if (clauses.length > 1 || clauses.some((c) => named(c).some((x) => x.type === 'catch_type_list')))
        return { ...pos, k: 'unsupported', what: 'typed or multiple catch clauses' };
      const fin = parts.find((c) => c.type === 'finally_clause');
      return {
        ...pos,
        k: 'try',
        body: block(parts.find((c) => c.type === 'statement_block')),
        handler: clauses[0] ? block(named(clauses[0]).find((c) => c.type === 'statement_block')) : undefined,
        fin: fin ? block(named(fin).find((c) => c.type === 'statement_block')) : undefined,
      };
    }
    case 'foreach_statement': {
      const parts = named(n);
      const variable = parts.find((c) => c.type === 'variable');
      const iter = parts.find((c) => c.type === 'pipeline');
      if (!variable || !iter || parts.some((c) => c.type === 'foreach_parameter'))
        return { ...pos, k: 'unsupported', what: 'this form of foreach' };
      return {
        ...pos,
        k: 'foreach',
        name: varName(variable.text),
        iter: statement(iter),
        body: block(parts.find((c) => c.type === 'statement_block')),
      };
    }
    case 'if_statement': {
      const parts = named(n);
      const clauses = [{ cond: statement(parts[0]), body: block(parts[1]) }];
      let otherwise: Stmt[] | undefined;
      for (const p of parts.slice(2)) {
        if (p.type === 'elseif_clauses')
          for (const e of named(p)) clauses.push({ cond: statement(named(e)[0]), body: block(named(e)[1]) });
        else if (p.type === 'else_clause') otherwise = block(named(p)[0]);
      }
      return { ...pos, k: 'if', clauses, otherwise };
    }
    default:
      return { ...pos, k: 'unsupported', what: `the '${n.type.replace(/_/g, ' ')}'` };
  }
}

function pipeline(n: Node): StmtBody {
  const inner = named(n);
  if (inner.length !== 1) return { k: 'unsupported', what: 'this pipeline form' };
  const c = inner[0];
  if (c.type === 'assignment_expression') {
    const [left, op, right] = named(c);
    const target = unwrap(left);
    if (target.type !== 'variable')
      return { k: 'unsupported', what: 'assignment to anything but a variable' };
    const opText = op.text;
    if (opText !== '=' && opText !== '+=') return { k: 'unsupported', what: `the '${opText}' operator` };
    return { k: 'assign', name: varName(target.text), op: opText, value: statement(right) };
  }
  if (c.type !== 'pipeline_chain') return { k: 'unsupported', what: `the '${c.type.replace(/_/g, ' ')}'` };
  const elems: PipeElem[] = [];
  for (const e of kids(c)) {
    if (!e.isNamed || e.type === 'comment') continue;
    elems.push(e.type === 'command' ? command(e) : { k: 'expr', e: expr(e) });
  }
  return { k: 'pipe', elems };
}

function command(n: Node): PipeElem {
  const parts = named(n);
  const nameNode = parts.find((c) => c.type === 'command_name');
  if (!nameNode) return { k: 'expr', e: { k: 'unsupported', what: 'this command form (& or .)' } };
  const args: CmdArg[] = [];
  const elements = parts.find((c) => c.type === 'command_elements');
  const items = elements ? kids(elements) : [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.type === 'command_argument_sep' || it.type === 'comment') continue;
    if (it.type === 'command_parameter') {
      const name = it.text.replace(/^-/, '');
      // `-Switch:$false`: the value follows a ':' separator.
      if (name.endsWith(':')) {
        const value = items[i + 1];
        i++;
        args.push({ k: 'param', name: name.slice(0, -1), value: value ? expr(value) : undefined });
      } else if (items[i + 1]?.type === 'command_argument_sep' && items[i + 1].text === ':') {
        args.push({ k: 'param', name, value: expr(items[i + 2]) });
        i += 2;
      } else args.push({ k: 'param', name });
      continue;
    }
    if (it.type === 'generic_token') {
      args.push({ k: 'value', e: { k: 'str', v: it.text } });
      continue;
    }
    args.push({ k: 'value', e: expr(it) });
  }
  return { k: 'cmd', name: nameNode.text, args };
}

/** Descends through the grammar's precedence wrappers (logical_expression > ... > unary_expression). */
function unwrap(n: Node): Node {
  let cur = n;
  while (cur.childCount === 1 && cur.type !== 'variable' && cur.type !== 'string_literal')
    cur = cur.child(0)!;
  return cur;
}

const BINARY = new Set(['-and', '-or', '-eq', '-ne', '+']);

function expr(node: Node): Expr {
  const n = unwrap(node);
  switch (n.type) {
    case 'string_literal':
    case 'verbatim_string_characters':
    case 'expandable_string_literal':
      return stringLiteral(n.type === 'string_literal' ? n.child(0)! : n);
    case 'integer_literal':
    case 'decimal_integer_literal':
    case 'real_literal': {
      const v = Number(n.text);
      if (!Number.isFinite(v)) return { k: 'unsupported', what: `the number '${n.text}'` };
      const lit = literalIndex(n);
      return lit === undefined ? { k: 'num', v } : { k: 'num', v, lit };
    }
    case 'variable':
      return { k: 'var', name: varName(n.text) };
    case 'member_access': {
      const [obj, , member] = kids(n);
      if (kids(n)[1]?.type !== '.') return { k: 'unsupported', what: 'static member access' };
      return { k: 'member', obj: expr(obj), name: member.text };
    }
    case 'invokation_expression': {
      const [target, op, member, argList] = kids(n);
      const args = argList ? argumentList(argList) : [];
      if (op?.type === '::') {
        if (target?.type !== 'type_literal') return { k: 'unsupported', what: 'this static call' };
        return { k: 'static', type: typeName(target), name: member.text, args };
      }
      return { k: 'call', obj: expr(target), name: member.text, args };
    }
    case 'element_access': {
      const parts = named(n);
      return { k: 'index', obj: expr(parts[0]), index: expr(parts[1]) };
    }
    case 'hash_literal_expression': {
      const body = named(n).find((c) => c.type === 'hash_literal_body');
      const entries: { key: string; value: Stmt }[] = [];
      for (const entry of body ? named(body) : []) {
        const [key, value] = named(entry);
        const k = unwrap(key);
        const keyText =
          k.type === 'verbatim_string_characters' || k.type === 'string_literal'
            ? (stringLiteral(k.type === 'string_literal' ? k.child(0)! : k) as { v?: string }).v
            : k.text;
        if (keyText === undefined) return { k: 'unsupported', what: 'this hashtable key' };
        entries.push({ key: keyText, value: statement(value) });
      }
      return { k: 'hash', entries };
    }
    case 'array_expression':
    case 'sub_expression': {
      const list = named(n).find((c) => c.type === 'statement_list');
      return { k: n.type === 'array_expression' ? 'array' : 'sub', body: list ? statementList(list) : [] };
    }
    case 'parenthesized_expression': {
      const inner = named(n)[0];
      return inner ? { k: 'paren', body: statement(inner) } : { k: 'unsupported', what: 'empty parentheses' };
    }
    case 'script_block_expression': {
      const sb = named(n)[0];
      const body = sb ? named(sb).find((c) => c.type === 'script_block_body') : undefined;
      const list = body ? named(body).find((c) => c.type === 'statement_list') : undefined;
      return { k: 'block', body: list ? statementList(list) : [] };
    }
    case 'cast_expression': {
      const [type, value] = named(n);
      return { k: 'cast', type: typeName(type), e: expr(value) };
    }
    case 'expression_with_unary_operator': {
      const [op, operand] = kids(n);
      if (op.type === '-not' || op.type === '!') return { k: 'not', e: expr(operand) };
      if (op.type === '-') return { k: 'neg', e: expr(operand) };
      return { k: 'unsupported', what: `the '${op.text}' operator` };
    }
    case 'array_literal_expression':
      return { k: 'list', items: named(n).map(expr) };
    default: {
      const parts = kids(n);
      if (parts.length === 3 && !parts[1].isNamed && BINARY.has(parts[1].type.toLowerCase()))
        return { k: 'bin', op: parts[1].type.toLowerCase(), l: expr(parts[0]), r: expr(parts[2]) };
      if (parts.length === 3 && parts[1].type === 'comparison_operator') {
        const op = parts[1].text.toLowerCase();
        if (op === '-eq' || op === '-ne') return { k: 'bin', op, l: expr(parts[0]), r: expr(parts[2]) };
        return { k: 'unsupported', what: `the '${op}' operator` };
      }
      return { k: 'unsupported', what: `the '${n.type.replace(/_/g, ' ')}' (${n.text.slice(0, 30)})` };
    }
  }
}

function argumentList(n: Node): Expr[] {
  const list = named(n)[0];
  if (!list) return [];
  return named(list).map(expr);
}

function stringLiteral(n: Node): Expr {
  const text = n.text;
  if (n.type === 'verbatim_string_characters' && /^['\u2018\u2019\u201A\u201B]/.test(text)) {
    const lit = literalIndex(n);
    // PowerShell's tokenizer: any quote character (ASCII or typographic) followed by another is one, the second kept.
    const v = text.slice(1, -1).replace(/['\u2018\u2019\u201A\u201B](['\u2018\u2019\u201A\u201B])/g, '$1');
    return lit === undefined ? { k: 'str', v } : { k: 'str', v, lit };
  }
  // A double-quoted string without `$` or backtick means the same as the single-quoted one.
  if (n.type === 'expandable_string_literal' && !/[$`]/.test(text)) return { k: 'str', v: text.slice(1, -1) };
  return { k: 'unsupported', what: 'string interpolation or here-strings' };
}

function typeName(typeLiteral: Node): string {
  return typeLiteral.text.replace(/^\[|\]$/g, '').trim();
}

function varName(text: string): string {
  return text.replace(/^\$/, '').replace(/^\{|\}$/g, '');
}
