/**
 * Parameter binding as PowerShell does it for the DhcpServer module's CDXML cmdlets: named parameters (unique
 * prefixes allowed), typed conversion, ValidateSet, parameter sets with a default, mandatory parameters. The errors
 * carry PowerShell's FullyQualifiedErrorIds (NamedParameterNotFound, ParameterArgumentTransformationError, ...).
 */
import { bindingError, notEmulated, type PsError } from './ps-errors.js';
import { Hashtable, IPAddress, isNull, TimeSpan, toPsString } from './ps-values.js';

export type ParamType =
  | 'String'
  | 'String[]'
  | 'IPAddress'
  | 'IPAddress[]'
  | 'UInt32'
  | 'UInt32[]'
  | 'Int32'
  | 'Boolean'
  | 'Switch'
  | 'TimeSpan'
  | 'Object';

export interface ParamSpec {
  name: string;
  type: ParamType;
  /** Parameter sets this parameter belongs to; undefined = all. */
  sets?: string[];
  /** Sets in which it is mandatory (true = every set it belongs to). */
  mandatory?: true | string[];
  validateSet?: string[];
  aliases?: string[];
}

export interface ArgValue {
  name: string;
  /** undefined for a switch written without a value. */
  value?: unknown;
  hasValue: boolean;
}

export type Bound = Map<string, unknown>;

/** Parameters every DhcpServer cmdlet documents but the emulator does not implement: refused, never ignored. */
const UNEMULATED = ['ComputerName', 'CimSession', 'ThrottleLimit', 'AsJob', 'WhatIf'];
/** Common parameters accepted (ErrorAction changes error handling; the others have no effect here). */
const COMMON: ParamSpec[] = [
  {
    name: 'ErrorAction',
    type: 'String',
    aliases: ['ea'],
    validateSet: ['Continue', 'Stop', 'SilentlyContinue', 'Ignore'],
  },
  { name: 'Confirm', type: 'Switch', aliases: ['cf'] },
  { name: 'Verbose', type: 'Switch', aliases: ['vb'] },
];

export interface BindResult {
  bound: Bound;
  set: string;
}

export function bindParameters(
  command: string,
  specs: ParamSpec[],
  sets: string[],
  defaultSet: string,
  args: ArgValue[],
  dhcpModule: boolean,
): BindResult {
  const all = [...specs, ...COMMON];
  const names = [...all.map((s) => s.name), ...(dhcpModule ? UNEMULATED : [])];
  const bound: Bound = new Map();
  for (const arg of args) {
    const name = resolveName(command, names, all, arg.name);
    if (UNEMULATED.includes(name)) throw notEmulated(`the -${name} parameter`);
    const spec = all.find((s) => s.name === name)!;
    if (bound.has(name))
      throw bindingError(
        'ParameterAlreadyBound',
        command,
        `Cannot bind parameter because parameter '${name}' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, "-parameter value1,value2,value3".`,
      );
    if (spec.type === 'Switch') {
      bound.set(name, arg.hasValue ? switchValue(command, name, arg.value) : true);
      continue;
    }
    if (!arg.hasValue)
      throw bindingError(
        'MissingArgument',
        command,
        `Missing an argument for parameter '${name}'. Specify a parameter of type '${dotNetType(spec.type)}' and try again.`,
      );
    const value = convert(command, spec, arg.value);
    if (spec.validateSet) bound.set(name, validateSet(command, spec, value));
    else bound.set(name, value);
  }
  const set = resolveSet(command, specs, sets, defaultSet, bound);
  const missing = specs.filter(
    (s) => isMandatory(s, set) && (s.sets === undefined || s.sets.includes(set)) && !bound.has(s.name),
  );
  if (missing.length > 0)
    throw bindingError(
      'MissingMandatoryParameter',
      command,
      `Cannot process command because of one or more missing mandatory parameters: ${missing.map((m) => m.name).join(' ')}.`,
    );
  return { bound, set };
}

function isMandatory(spec: ParamSpec, set: string): boolean {
  return spec.mandatory === true || (Array.isArray(spec.mandatory) && spec.mandatory.includes(set));
}

function resolveName(command: string, names: string[], specs: ParamSpec[], given: string): string {
  const lower = given.toLowerCase();
  const exact = names.find((n) => n.toLowerCase() === lower);
  if (exact) return exact;
  const alias = specs.find((s) => s.aliases?.some((a) => a.toLowerCase() === lower));
  if (alias) return alias.name;
  const matches = names.filter((n) => n.toLowerCase().startsWith(lower));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1)
    throw bindingError(
      'AmbiguousParameter',
      command,
      `Parameter cannot be processed because the parameter name '${given}' is ambiguous. Possible matches include: ${matches.map((m) => `-${m}`).join(' ')}.`,
    );
  throw bindingError(
    'NamedParameterNotFound',
    command,
    `A parameter cannot be found that matches parameter name '${given}'.`,
  );
}

/** Sets that contain every bound parameter; the default set wins a tie, as CmdletBinding(DefaultParameterSetName). */
function resolveSet(
  command: string,
  specs: ParamSpec[],
  sets: string[],
  defaultSet: string,
  bound: Bound,
): string {
  const candidates = sets.filter((set) =>
    [...bound.keys()].every((name) => {
      const spec = specs.find((s) => s.name === name);
      return !spec || spec.sets === undefined || spec.sets.includes(set);
    }),
  );
  const ambiguous = (): PsError =>
    bindingError(
      'AmbiguousParameterSet',
      command,
      'Parameter set cannot be resolved using the specified named parameters.',
    );
  if (candidates.length === 0) throw ambiguous();
  if (candidates.length === 1) return candidates[0];
  const complete = candidates.filter((set) =>
    specs.every(
      (s) => !isMandatory(s, set) || (s.sets !== undefined && !s.sets.includes(set)) || bound.has(s.name),
    ),
  );
  if (complete.length === 1) return complete[0];
  if (candidates.includes(defaultSet)) return defaultSet;
  throw ambiguous();
}

function dotNetType(type: ParamType): string {
  const map: Record<ParamType, string> = {
    String: 'System.String',
    'String[]': 'System.String[]',
    IPAddress: 'System.Net.IPAddress',
    'IPAddress[]': 'System.Net.IPAddress[]',
    UInt32: 'System.UInt32',
    'UInt32[]': 'System.UInt32[]',
    Int32: 'System.Int32',
    Boolean: 'System.Boolean',
    Switch: 'System.Management.Automation.SwitchParameter',
    TimeSpan: 'System.TimeSpan',
    Object: 'System.Object',
  };
  return map[type];
}

function transformError(
  command: string,
  name: string,
  value: unknown,
  type: string,
  detail: string,
): PsError {
  return bindingError(
    'ParameterArgumentTransformationError',
    command,
    `Cannot process argument transformation on parameter '${name}'. Cannot convert value "${toPsString(value)}" to type "${type}". Error: "${detail}"`,
  );
}

function convert(command: string, spec: ParamSpec, value: unknown): unknown {
  const many = spec.type.endsWith('[]');
  if (many) {
    const items = Array.isArray(value) ? value : [value];
    const one: ParamSpec = { ...spec, type: spec.type.slice(0, -2) as ParamType };
    return items.map((v) => convert(command, one, v));
  }
  if (Array.isArray(value) && spec.type !== 'Object') {
    if (value.length === 1) return convert(command, spec, value[0]);
    throw bindingError(
      'CannotConvertArgument',
      command,
      `Cannot convert 'System.Object[]' to the type '${dotNetType(spec.type)}' required by parameter '${spec.name}'. Specified method is not supported.`,
    );
  }
  switch (spec.type) {
    case 'String':
      return isNull(value) ? null : toPsString(value);
    case 'IPAddress': {
      if (value instanceof IPAddress) return value;
      const text = toPsString(value);
      if (!isIPv4(text))
        throw transformError(
          command,
          spec.name,
          value,
          'System.Net.IPAddress',
          'An invalid IP address was specified.',
        );
      return new IPAddress(text);
    }
    case 'UInt32':
    case 'Int32': {
      const n = typeof value === 'number' ? value : Number(toPsString(value).trim() || NaN);
      const type = spec.type === 'UInt32' ? 'System.UInt32' : 'System.Int32';
      if (!Number.isFinite(n))
        throw transformError(command, spec.name, value, type, 'Input string was not in a correct format.');
      const rounded = Math.round(n);
      const [min, max] = spec.type === 'UInt32' ? [0, 4294967295] : [-2147483648, 2147483647];
      if (rounded < min || rounded > max)
        throw transformError(
          command,
          spec.name,
          value,
          type,
          `Value was either too large or too small for a${spec.type === 'UInt32' ? ' UInt32' : 'n Int32'}.`,
        );
      return rounded;
    }
    case 'Boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0;
      throw bindingError(
        'ParameterArgumentTransformationError',
        command,
        `Cannot process argument transformation on parameter '${spec.name}'. Cannot convert value "${typeNameOf(value)}" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`,
      );
    case 'TimeSpan': {
      if (value instanceof TimeSpan) return value;
      if (typeof value === 'number') return new TimeSpan(Math.round(value / 10_000));
      const parsed = parseTimeSpan(toPsString(value));
      if (!parsed)
        throw transformError(
          command,
          spec.name,
          value,
          'System.TimeSpan',
          'String was not recognized as a valid TimeSpan.',
        );
      return parsed;
    }
    default:
      return value;
  }
}

function typeNameOf(value: unknown): string {
  if (typeof value === 'string') return 'System.String';
  if (value instanceof Hashtable) return 'System.Collections.Hashtable';
  return toPsString(value);
}

function switchValue(command: string, name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  throw bindingError(
    'ParameterArgumentTransformationError',
    command,
    `Cannot process argument transformation on parameter '${name}'. Cannot convert the "${toPsString(value)}" value of type "${typeNameOf(value)}" to type "System.Management.Automation.SwitchParameter".`,
  );
}

function validateSet(command: string, spec: ParamSpec, value: unknown): unknown {
  const allowed = spec.validateSet!;
  const one = (v: unknown): string => {
    const hit = allowed.find((a) => a.toLowerCase() === toPsString(v).toLowerCase());
    if (hit === undefined)
      throw bindingError(
        'ParameterArgumentValidationError',
        command,
        `Cannot validate argument on parameter '${spec.name}'. The argument "${toPsString(v)}" does not belong to the set "${allowed.join(',')}" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.`,
      );
    return hit;
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** TimeSpan.Parse: [d.]hh:mm[:ss[.fff]] or a whole number of days. */
export function parseTimeSpan(text: string): TimeSpan | undefined {
  const m = /^\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?\s*$/.exec(text);
  if (m) {
    const [, neg, d, h, mi, s, f] = m;
    if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return undefined;
    const ms =
      ((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(mi)) * 60_000 +
      Number(s ?? 0) * 1000 +
      Math.round(Number(`0.${f ?? 0}`) * 1000);
    return new TimeSpan(neg ? -ms : ms);
  }
  if (/^\s*\d+\s*$/.test(text)) return new TimeSpan(Number(text) * 86_400_000);
  return undefined;
}
