/**
 * Runs the AST of ps-syntax.ts with PowerShell's semantics for the contract's subset: variables, +=, hashtables,
 * @(), member access (with member enumeration over arrays), casts, try/catch with $_, foreach, if/elseif/else,
 * -eq -ne -not -and -or, pipelines into ForEach-Object / Where-Object / ConvertTo-Json, and cmdlets with named
 * parameters. Errors follow $ErrorActionPreference: cmdlet (CIM) errors are non-terminating unless it is 'Stop'.
 */
import { type ArgValue, bindParameters, type Bound, type ParamSpec } from './cmdlet-binding.js';
import { commandNotFound, notEmulated, PsError, runtimeError } from './ps-errors.js';
import type { CmdArg, Expr, PipeElem, Stmt } from './ps-syntax.js';
import {
  collect,
  enumerate,
  Hashtable,
  IPAddress,
  isNull,
  psEquals,
  PsObject,
  TimeSpan,
  toBool,
  toPsString,
  Version,
} from './ps-values.js';

export interface CmdletDef {
  name: string;
  params: ParamSpec[];
  sets: string[];
  defaultSet: string;
  /** A DhcpServer module cmdlet: counted per session, subject to faults. */
  dhcp: boolean;
  run(bound: Bound, set: string): unknown[];
}

export interface InterpreterHooks {
  /** Called before each DhcpServer cmdlet runs; may throw (injected failure) or end the process (dropped session). */
  beforeDhcpCmdlet(name: string): void;
  afterDhcpCmdlet(name: string): void;
  env(name: string): string | undefined;
}

/**
 * Real cmdlets outside the contract are refused as not emulated (they exist on Windows, so CommandNotFound would be
 * a lie); any other name is CommandNotFoundException, as PowerShell reports a typo.
 */
const KNOWN_UNEMULATED = new RegExp(
  '^(' +
    [
      '(select|sort|group|measure|where|foreach|new|tee)-object',
      'out-(null|string|file|default)',
      'write-(output|host|error|verbose|warning)',
      'format-(list|table)',
      'get-(date|command|content|childitem|service|variable|member|item)',
      'set-(content|variable|item)',
      '(start-sleep|invoke-expression|invoke-command|remove-item|add-member|convertfrom-json|export-clixml)',
      '(restart|stop|start)-service',
      '(add|get|set|remove|invoke|rename|reconcile|repair|export|import|backup|restore)-dhcpserver(' +
        'v4(scope|scopestatistics|lease|reservation|exclusionrange|optionvalue|optiondefinition|failover|failoverscope|' +
        'failoverstatistics|failoverreplication|policy|policyiprange|class|binding|dnssetting|filter|filterlist|' +
        'multicastscope|multicastexclusionrange|superscope|freeipaddress|statistics|iprecord)|' +
        'v6\\w+|setting|auditlog|database|indc|securitygroup|version)?',
    ].join('|') +
    ')$',
  'i',
);

class ScriptBlock {
  constructor(readonly body: Stmt[]) {}
  toString(): string {
    return '<script block>';
  }
}

export class Interpreter {
  private readonly vars = new Map<string, unknown>();
  /**
   * Arrays that only a variable holds. `$a += $x` copies the array in PowerShell (quadratic over a batch); while no
   * one else can see the array, appending in place is indistinguishable and linear. Reading the variable lets the
   * array escape, so the next += copies again.
   */
  private readonly owned = new WeakSet<unknown[]>();
  readonly errors: { error: PsError; line: number }[] = [];
  private line = 0;

  constructor(
    private readonly cmdlets: Map<string, CmdletDef>,
    private readonly hooks: InterpreterHooks,
  ) {
    this.vars.set('erroractionpreference', 'Continue');
  }

  /** Runs one top-level statement; its output is appended to `out`. Uncaught terminating errors propagate. */
  runTopLevel(stmt: Stmt, out: unknown[]): void {
    this.exec(stmt, out);
  }

  currentLine(): number {
    return this.line;
  }

  stopOnErrorPreference(): boolean {
    return this.stopOnError();
  }

  private stopOnError(): boolean {
    return toPsString(this.vars.get('erroractionpreference')).toLowerCase() === 'stop';
  }

  private execBlock(body: Stmt[], out: unknown[]): void {
    for (const s of body) this.exec(s, out);
  }

  private exec(stmt: Stmt, out: unknown[]): void {
    this.line = stmt.line;
    switch (stmt.k) {
      case 'assign': {
        const value = this.valueOf(stmt.value);
        const key = stmt.name.toLowerCase();
        if (key === 'null') return; // `$null = ...` discards, as in PowerShell.
        if (key === 'true' || key === 'false' || key === '_')
          throw runtimeError(
            'VariableNotWritable',
            `Cannot overwrite variable ${stmt.name} because it is read-only or constant.`,
            'WriteError',
          );
        const current = this.vars.get(key);
        if (stmt.op === '+=' && Array.isArray(current) && this.owned.has(current)) {
          if (Array.isArray(value)) current.push(...(value as unknown[]));
          else current.push(value);
          return;
        }
        const result = stmt.op === '=' ? value : add(current, value);
        if (stmt.op === '+=' && Array.isArray(result)) this.owned.add(result);
        this.vars.set(key, result);
        return;
      }
      case 'pipe':
        out.push(...this.pipeline(stmt.elems));
        return;
      case 'try':
        try {
          this.execBlock(stmt.body, out);
        } catch (error) {
          if (!(error instanceof PsError) || !stmt.handler) throw error;
          const saved = this.vars.get('_');
          this.vars.set('_', error.toRecord());
          try {
            this.execBlock(stmt.handler, out);
          } finally {
            this.vars.set('_', saved);
          }
        } finally {
          if (stmt.fin) this.execBlock(stmt.fin, out);
        }
        return;
      case 'foreach': {
        const items = this.valueOf(stmt.iter);
        for (const item of isNull(items) ? [] : enumerate(items)) {
          this.vars.set(stmt.name.toLowerCase(), item);
          this.execBlock(stmt.body, out);
        }
        return;
      }
      case 'if':
        for (const clause of stmt.clauses) {
          if (toBool(this.valueOf(clause.cond))) {
            this.execBlock(clause.body, out);
            return;
          }
        }
        if (stmt.otherwise) this.execBlock(stmt.otherwise, out);
        return;
      case 'unsupported':
        throw notEmulated(stmt.what);
    }
  }

  /** The value of a statement on the right of `=`: an expression keeps its value (arrays stay arrays). */
  private valueOf(stmt: Stmt): unknown {
    if (stmt.k === 'pipe' && stmt.elems.length === 1 && stmt.elems[0].k === 'expr') {
      this.line = stmt.line;
      return this.eval(stmt.elems[0].e);
    }
    if (stmt.k === 'assign') {
      this.exec(stmt, []);
      return this.vars.get(stmt.name.toLowerCase());
    }
    const out: unknown[] = [];
    this.exec(stmt, out);
    return collect(out);
  }

  private pipeline(elems: PipeElem[]): unknown[] {
    let items: unknown[] | undefined;
    for (const [i, elem] of elems.entries()) {
      if (elem.k === 'expr') {
        if (i > 0)
          throw runtimeError(
            'ExpressionsMustBeFirstInPipeline',
            'Expressions are only allowed as the first element of a pipeline.',
          );
        const v = this.eval(elem.e);
        items = elems.length === 1 ? [v] : isNull(v) ? [v] : enumerate(v);
        continue;
      }
      items = this.command(elem.name, elem.args, i === 0 ? undefined : (items ?? []));
    }
    // A lone expression statement writes its value; arrays unroll into the output.
    return elems.length === 1 && elems[0].k === 'expr'
      ? isNull(items![0])
        ? []
        : enumerate(items![0])
      : items!;
  }

  private command(name: string, args: CmdArg[], input: unknown[] | undefined): unknown[] {
    const lower = name.toLowerCase();
    if (lower === 'foreach-object' || lower === '%' || lower === 'where-object' || lower === '?')
      return this.blockCommand(
        lower.startsWith('f') || lower === '%' ? 'ForEach-Object' : 'Where-Object',
        args,
        input ?? [],
      );
    const def = this.cmdlets.get(lower);
    if (!def) {
      if (KNOWN_UNEMULATED.test(name)) throw notEmulated(`the command ${name}`);
      throw commandNotFound(name);
    }
    return this.invoke(def, this.mergeArgs(def, args), input);
  }

  /** A parameter's value is the next argument unless it has one after ':' or is a switch. */
  private mergeArgs(def: CmdletDef, args: CmdArg[]): ArgValue[] {
    const out: ArgValue[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a.k === 'value')
        throw notEmulated(`positional arguments (${def.name} got a value without a parameter name)`);
      if (a.value) {
        out.push({ name: a.name, value: this.eval(a.value), hasValue: true });
        continue;
      }
      const next = args[i + 1];
      if (next?.k === 'value' && !isSwitch(def, a.name)) {
        out.push({ name: a.name, value: this.eval(next.e), hasValue: true });
        i++;
      } else out.push({ name: a.name, hasValue: false });
    }
    return out;
  }

  private invoke(def: CmdletDef, args: ArgValue[], input: unknown[] | undefined): unknown[] {
    if (input !== undefined && def.name !== 'ConvertTo-Json')
      throw notEmulated(`pipeline input to ${def.name}`);
    if (input !== undefined && input.length === 0) return [];
    const { bound, set } = bindParameters(def.name, def.params, def.sets, def.defaultSet, args, def.dhcp);
    if (input !== undefined && !bound.has('InputObject'))
      bound.set('InputObject', input.length === 1 ? input[0] : input);
    if (!def.dhcp) return def.run(bound, set);
    const action = toPsString(bound.get('ErrorAction') ?? '').toLowerCase();
    try {
      this.hooks.beforeDhcpCmdlet(def.name);
      return def.run(bound, set);
    } catch (error) {
      if (!(error instanceof PsError) || error.terminating) throw error;
      if (action === 'stop' || (action === '' && this.stopOnError())) throw error;
      if (action !== 'silentlycontinue' && action !== 'ignore') this.errors.push({ error, line: this.line });
      return [];
    } finally {
      this.hooks.afterDhcpCmdlet(def.name);
    }
  }

  private blockCommand(name: string, args: CmdArg[], input: unknown[]): unknown[] {
    const only = args.length === 1 ? args[0] : undefined;
    const e = only?.k === 'value' ? only.e : undefined;
    if (!e || e.k !== 'block') throw notEmulated(`${name} without a single script block argument`);
    const out: unknown[] = [];
    const saved = this.vars.get('_');
    try {
      for (const item of input) {
        this.vars.set('_', item);
        if (name === 'ForEach-Object') this.execBlock(e.body, out);
        else {
          const test: unknown[] = [];
          this.execBlock(e.body, test);
          if (toBool(collect(test))) out.push(item);
        }
      }
    } finally {
      this.vars.set('_', saved);
    }
    return out;
  }

  eval(e: Expr): unknown {
    switch (e.k) {
      case 'str':
      case 'num':
        return e.v;
      case 'var':
        return this.variable(e.name);
      case 'member':
        return member(this.eval(e.obj), e.name);
      case 'call':
        return callMethod(
          this.eval(e.obj),
          e.name,
          e.args.map((a) => this.eval(a)),
        );
      case 'static':
        return staticCall(
          e.type,
          e.name,
          e.args.map((a) => this.eval(a)),
        );
      case 'index': {
        const obj = this.eval(e.obj);
        const idx = this.eval(e.index);
        if (obj instanceof Hashtable) return obj.get(toPsString(idx));
        if (Array.isArray(obj) && typeof idx === 'number')
          return obj[idx < 0 ? obj.length + idx : idx] ?? null;
        throw notEmulated('this kind of indexing');
      }
      case 'hash': {
        const h = new Hashtable();
        for (const entry of e.entries) {
          if (h.has(entry.key))
            throw runtimeError(
              'DuplicateKeyInHashLiteral',
              `Duplicate keys '${entry.key}' are not allowed in hash literals.`,
              'ParserError',
            );
          h.set(entry.key, this.valueOf(entry.value));
        }
        return h;
      }
      case 'array':
      case 'sub': {
        const out: unknown[] = [];
        this.execBlock(e.body, out);
        return e.k === 'array' ? out : collect(out);
      }
      case 'paren':
        return this.valueOf(e.body);
      case 'cast':
        return cast(e.type, this.eval(e.e));
      case 'not':
        return !toBool(this.eval(e.e));
      case 'neg': {
        const v = this.eval(e.e);
        if (typeof v === 'number') return -v;
        const n = Number(toPsString(v));
        if (Number.isNaN(n))
          throw runtimeError(
            'InvalidCastFromStringToInteger',
            `Cannot convert value "${toPsString(v)}" to type "System.Int32".`,
          );
        return -n;
      }
      case 'bin':
        return this.binary(e.op, e.l, e.r);
      case 'list':
        return e.items.map((i) => this.eval(i));
      case 'block':
        return new ScriptBlock(e.body);
      case 'unsupported':
        throw notEmulated(e.what);
    }
  }

  private binary(op: string, l: Expr, r: Expr): unknown {
    if (op === '-and') return toBool(this.eval(l)) && toBool(this.eval(r));
    if (op === '-or') return toBool(this.eval(l)) || toBool(this.eval(r));
    const a = this.eval(l);
    const b = this.eval(r);
    if (op === '+') return add(a, b);
    const want = op === '-eq';
    // With an array on the left, -eq/-ne filter it, as in PowerShell.
    if (Array.isArray(a)) return a.filter((x) => psEquals(x, b) === want);
    return psEquals(a, b) === want;
  }

  private variable(name: string): unknown {
    const lower = name.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (lower.startsWith('env:')) return this.hooks.env(name.slice(4)) ?? null;
    const value = this.vars.get(lower) ?? null;
    if (Array.isArray(value)) this.owned.delete(value);
    return value;
  }
}

function isSwitch(def: CmdletDef, given: string): boolean {
  const lower = given.toLowerCase();
  const all = def.params.filter((p) => p.name.toLowerCase().startsWith(lower));
  const exact = def.params.find((p) => p.name.toLowerCase() === lower);
  const spec = exact ?? (all.length === 1 ? all[0] : undefined);
  if (spec) return spec.type === 'Switch';
  return ['confirm', 'verbose', 'whatif', 'asjob', 'cf', 'vb'].includes(lower);
}

function add(a: unknown, b: unknown): unknown {
  if (isNull(a)) return Array.isArray(b) ? [...b] : b;
  if (Array.isArray(a)) return Array.isArray(b) ? [...a, ...b] : [...a, b];
  if (typeof a === 'number') {
    const n = typeof b === 'number' ? b : Number(toPsString(b));
    if (Number.isNaN(n))
      throw runtimeError(
        'InvalidCastFromStringToInteger',
        `Cannot convert value "${toPsString(b)}" to type "System.Int32".`,
      );
    return a + n;
  }
  if (typeof a === 'string') return a + toPsString(b);
  if (a instanceof Hashtable && b instanceof Hashtable) {
    const h = new Hashtable();
    for (const { key, value } of a.entries.values()) h.set(key, value);
    for (const { key, value } of b.entries.values()) {
      if (h.has(key))
        throw runtimeError(
          'DuplicateKeyInHashLiteral',
          `Item has already been added. Key in dictionary: '${key}'`,
        );
      h.set(key, value);
    }
    return h;
  }
  throw runtimeError(
    'MethodNotFound',
    `Method invocation failed because [${toPsString(a)}] does not contain a method named 'op_Addition'.`,
  );
}

function member(obj: unknown, name: string): unknown {
  const lower = name.toLowerCase();
  if (Array.isArray(obj)) {
    if (lower === 'count' || lower === 'length') return obj.length;
    // Member enumeration (PowerShell 3+): the property of each element, $null ones dropped.
    const values = obj.map((o): unknown => member(o, name)).filter((v) => !isNull(v));
    return collect(values.flatMap((v): unknown[] => (Array.isArray(v) ? (v as unknown[]) : [v])));
  }
  if (isNull(obj)) return null;
  if (obj instanceof Hashtable) {
    if (obj.has(name)) return obj.get(name);
    if (lower === 'count') return obj.entries.size;
    if (lower === 'keys') return [...obj.entries.values()].map((e) => e.key);
    return null;
  }
  if (obj instanceof PsObject) return obj.get(name) ?? null;
  if (obj instanceof IPAddress) {
    if (lower === 'ipaddresstostring') return obj.address;
    if (lower === 'addressfamily') return 'InterNetwork';
    if (lower === 'address')
      return obj.address
        .split('.')
        .map(Number)
        .reduceRight((acc, o) => acc * 256 + o, 0);
    return null;
  }
  if (obj instanceof TimeSpan) {
    const ms = obj.totalMs;
    const table: Record<string, number> = {
      totalseconds: ms / 1000,
      totalminutes: ms / 60_000,
      totalhours: ms / 3_600_000,
      totaldays: ms / 86_400_000,
      totalmilliseconds: ms,
      ticks: ms * 10_000,
      days: Math.trunc(ms / 86_400_000),
      hours: Math.trunc(ms / 3_600_000) % 24,
      minutes: Math.trunc(ms / 60_000) % 60,
      seconds: Math.trunc(ms / 1000) % 60,
      milliseconds: ms % 1000,
    };
    return table[lower] ?? null;
  }
  if (obj instanceof Version) {
    const parts = obj.text.split('.').map(Number);
    const idx = ['major', 'minor', 'build', 'revision'].indexOf(lower);
    return idx < 0 ? null : (parts[idx] ?? -1);
  }
  if (typeof obj === 'string' && lower === 'length') return obj.length;
  return null;
}

function callMethod(obj: unknown, name: string, args: unknown[]): unknown {
  if (name.toLowerCase() === 'tostring' && args.length === 0) {
    if (typeof obj === 'boolean') return obj ? 'True' : 'False';
    return Array.isArray(obj) ? 'System.Object[]' : toPsString(obj);
  }
  throw notEmulated(`the method ${name}()`);
}

function staticCall(type: string, name: string, args: unknown[]): unknown {
  const t = type.toLowerCase().replace(/^system\./, '');
  const scale: Record<string, number> = {
    fromseconds: 1000,
    fromminutes: 60_000,
    fromhours: 3_600_000,
    fromdays: 86_400_000,
  };
  const factor = scale[name.toLowerCase()];
  if (t === 'timespan' && factor && args.length === 1) {
    const n = typeof args[0] === 'number' ? args[0] : Number(toPsString(args[0]));
    if (Number.isNaN(n))
      throw runtimeError(
        'MethodArgumentConversionInvalidCastArgument',
        `Cannot convert argument "value", with value: "${toPsString(args[0])}", for "${name}" to type "System.Double".`,
      );
    return new TimeSpan(Math.round(n * factor));
  }
  throw notEmulated(`[${type}]::${name}`);
}

function cast(type: string, v: unknown): unknown {
  const t = type.toLowerCase().replace(/^system\./, '');
  const fail = (target: string): PsError =>
    runtimeError(
      'InvalidCastParseTargetInvocation',
      `Cannot convert value "${toPsString(v)}" to type "${target}".`,
      'InvalidArgument',
    );
  switch (t) {
    case 'string':
      return Array.isArray(v) ? v.map(toPsString).join(' ') : toPsString(v);
    case 'bool':
    case 'boolean':
      return toBool(v);
    case 'int':
    case 'int32':
    case 'long':
    case 'int64':
    case 'uint32':
    case 'double': {
      if (isNull(v)) return 0;
      if (typeof v === 'boolean') return v ? 1 : 0;
      const n = typeof v === 'number' ? v : Number(toPsString(v).trim() || NaN);
      if (Number.isNaN(n)) throw fail(`System.${t === 'int' ? 'Int32' : t}`);
      if (t === 'double') return n;
      // .NET rounds half to even when converting to an integer type.
      const r = Math.round(n);
      return Math.abs(n % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
    }
    case 'array':
    case 'object[]':
      return isNull(v) ? [] : enumerate(v);
    case 'ipaddress':
    case 'net.ipaddress':
      if (v instanceof IPAddress) return v;
      if (/^\d{1,3}(\.\d{1,3}){3}$/.test(toPsString(v))) return new IPAddress(toPsString(v));
      throw fail('System.Net.IPAddress');
    default:
      throw notEmulated(`the cast [${type}]`);
  }
}
